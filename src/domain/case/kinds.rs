//! What a case is: complaint or request, its subject, its state and how it was decided.

use crate::domain::text::fold;

crate::text_enum!(
    /// A complaint (reklamacja) or a request (wniosek): they are numbered apart.
    CaseKind { Complaint = "complaint", Request = "request" }
);

crate::text_enum!(
    /// What a case is about. The first five are complaints, the rest requests.
    Subject {
        Bill = "bill",
        HeatSupply = "heat_supply",
        Meter = "meter",
        Service = "service",
        Disconnection = "disconnection",
        Capacity = "capacity",
        Heating = "heating",
        Contact = "contact",
        Payer = "payer",
        Termination = "termination",
        Instalments = "instalments",
        EInvoice = "e_invoice",
        MeterCheck = "meter_check",
        Other = "other",
    }
);

crate::text_enum!(
    /// Where a case stands. `Answered` and `Closed` are the ends; a closed case takes no
    /// more additions.
    CaseState {
        Received = "received",
        InProgress = "in_progress",
        InfoRequested = "info_requested",
        Answered = "answered",
        Closed = "closed",
    }
);

crate::text_enum!(
    /// How a case was decided. `DeemedAccepted`: an art. 6c complaint not decided in time.
    Outcome {
        Accepted = "accepted",
        Rejected = "rejected",
        Partial = "partial",
        DeemedAccepted = "deemed_accepted",
    }
);

impl CaseKind {
    /// The prefix of its numbers: `RK` (reklamacja), `WN` (wniosek).
    pub fn prefix(self) -> &'static str {
        match self {
            CaseKind::Complaint => "RK",
            CaseKind::Request => "WN",
        }
    }

    pub fn from_prefix(prefix: &str) -> Option<CaseKind> {
        match prefix {
            "RK" => Some(CaseKind::Complaint),
            "WN" => Some(CaseKind::Request),
            _ => None,
        }
    }
}

impl Subject {
    /// The subjects a customer picks from for `kind`, in the order offered.
    pub fn of(kind: CaseKind) -> &'static [Subject] {
        use Subject::*;
        match kind {
            CaseKind::Complaint => &[Bill, HeatSupply, Meter, Service, Disconnection],
            CaseKind::Request => &[
                Capacity,
                Heating,
                Contact,
                Payer,
                Termination,
                Instalments,
                EInvoice,
                MeterCheck,
                Other,
            ],
        }
    }

    pub fn kind(self) -> CaseKind {
        if Subject::of(CaseKind::Complaint).contains(&self) {
            CaseKind::Complaint
        } else {
            CaseKind::Request
        }
    }

    /// A complaint about a notice of disconnection for arrears (art. 6c of the Energy
    /// Law): urgent, and accepted if not decided within its deadline.
    pub fn is_disconnection(self) -> bool {
        self == Subject::Disconnection
    }

    /// The subject a customer typed or pressed: its code, or a Polish or English word.
    pub fn parse_word(kind: CaseKind, word: &str) -> Option<Subject> {
        let w = fold(word.trim());
        let found = match w.as_str() {
            "rachunek" | "faktura" | "bill" | "invoice" => Subject::Bill,
            "dostawa" | "ogrzewanie" | "cieplo" | "supply" | "heat" => Subject::HeatSupply,
            "licznik" | "meter" => Subject::Meter,
            "obsluga" | "service" => Subject::Service,
            "odlaczenie" | "wstrzymanie" | "6c" => Subject::Disconnection,
            "moc" | "capacity" => Subject::Capacity,
            "sezon" | "heating" => Subject::Heating,
            "kontakt" | "dane" | "contact" => Subject::Contact,
            "platnik" | "wlasciciel" | "payer" | "owner" => Subject::Payer,
            "rozwiazanie" | "wypowiedzenie" | "termination" => Subject::Termination,
            "raty" | "odroczenie" | "instalments" => Subject::Instalments,
            "e-faktura" | "efaktura" | "e-invoice" => Subject::EInvoice,
            "sprawdzenie" | "legalizacja" | "meter-check" => Subject::MeterCheck,
            "inne" | "inny" | "other" => Subject::Other,
            code => code.parse().ok()?,
        };
        Some(found).filter(|s| s.kind() == kind)
    }
}

impl CaseState {
    /// Still waiting for the utility (or for the customer's information).
    pub fn is_open(self) -> bool {
        !matches!(self, CaseState::Answered | CaseState::Closed)
    }
}

impl Outcome {
    /// The decision staff typed: `uwzglednij`/`accept`, `odrzuc`/`reject`,
    /// `czesciowo`/`partial`.
    pub fn parse_word(word: &str) -> Option<Outcome> {
        match fold(word).as_str() {
            "uwzglednij" | "uwzgledniona" | "accept" | "accepted" => Some(Outcome::Accepted),
            "odrzuc" | "odrzucona" | "reject" | "rejected" => Some(Outcome::Rejected),
            "czesciowo" | "partial" | "partly" => Some(Outcome::Partial),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_belong_to_their_kind_and_read_in_both_languages() {
        assert_eq!(
            Subject::parse_word(CaseKind::Complaint, "Rachunek"),
            Some(Subject::Bill)
        );
        assert_eq!(
            Subject::parse_word(CaseKind::Complaint, "odłączenie"),
            Some(Subject::Disconnection)
        );
        assert_eq!(
            Subject::parse_word(CaseKind::Request, "capacity"),
            Some(Subject::Capacity)
        );
        // A request's subject is no complaint's.
        assert_eq!(Subject::parse_word(CaseKind::Complaint, "moc"), None);
        for kind in CaseKind::ALL {
            for s in Subject::of(*kind) {
                assert_eq!(s.kind(), *kind);
                assert_eq!(Subject::parse_word(*kind, s.as_str()), Some(*s));
            }
        }
        assert_eq!(Outcome::parse_word("Uwzględnij"), Some(Outcome::Accepted));
        assert_eq!(Outcome::parse_word("maybe"), None);
    }
}
