//! The demo's KSeF invoices: every invoice (not an interest note, which is no VAT
//! invoice) to a firm or housing community issued on or after 1 April 2026, when KSeF
//! became everyone's, gets a small FA(3)-shaped XML, its hash and a valid KSeF number
//! of the utility's NIP. The first firm's newest invoice was issued offline: no number
//! yet, and a KOD II link as the billing system would make it with its certificate.

use super::data::{Customer, DataSet, DemoKsef, Invoice};
use crate::config::Utility;
use crate::domain::ksef::{self, KsefNumber};
use crate::domain::model::CustomerKind;
use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// The first day every firm issues through KSeF.
pub fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or_default()
}

/// Fills `set.ksef` for the invoices KSeF covers; returns the offline one's number.
pub fn assign(set: &mut DataSet, utility: &Utility) -> Option<String> {
    let nip: String = utility.nip.chars().filter(char::is_ascii_digit).collect();
    let covered: Vec<usize> = (0..set.invoices.len())
        .filter(|&i| {
            let inv = &set.invoices[i];
            inv.kind != "interest_note"
                && inv.issue_date >= start()
                && set.customers[inv.customer].kind == CustomerKind::Firm
        })
        .collect();
    let first_firm = covered.first().map(|&i| set.invoices[i].customer);
    let offline = covered
        .iter()
        .copied()
        .filter(|&i| Some(set.invoices[i].customer) == first_firm)
        .max_by_key(|&i| set.invoices[i].issue_date);
    for i in covered {
        let inv = &set.invoices[i];
        let xml = xml(utility, &nip, &set.customers[inv.customer], inv);
        let hash = ksef::xml_hash(&xml);
        let is_offline = Some(i) == offline;
        let number = (!is_offline).then(|| number(&nip, inv)).flatten();
        let kod2 = is_offline.then(|| kod2(&nip, &hash));
        let entry = DemoKsef {
            number,
            hash,
            offline: is_offline,
            kod2,
            xml,
        };
        set.ksef.insert(inv.number.clone(), entry);
    }
    offline.map(|i| set.invoices[i].number.clone())
}

/// The billing system's next export: KSeF has received the offline invoice `offline`
/// and given it its number (its KOD II stays, as on the copies already handed out).
pub fn number_offline(set: &mut DataSet, utility: &Utility, offline: &str) {
    let nip: String = utility.nip.chars().filter(char::is_ascii_digit).collect();
    let Some(inv) = set.invoices.iter().find(|i| i.number == offline) else {
        return;
    };
    let number = number(&nip, inv);
    if let Some(entry) = set.ksef.get_mut(offline) {
        entry.number = number;
    }
}

/// A valid number: received on the issue date, its technical part from the invoice number.
fn number(nip: &str, inv: &Invoice) -> Option<String> {
    let digest = Sha256::digest(inv.number.as_bytes());
    let tech = hex::encode_upper(&digest[..6]);
    KsefNumber::compose(nip, inv.issue_date, &tech)
        .ok()
        .map(|n| n.to_string())
}

/// A KOD II link of the shape KSeF's documentation gives (context, seller, the
/// certificate's serial number, the hash, a signature); the demo has no certificate, so
/// the last two parts are made up.
fn kod2(nip: &str, hash: &str) -> String {
    let sig = ksef::xml_hash(format!("demo-signature-{hash}").as_bytes());
    format!(
        "https://{}/certificate/Nip/{nip}/{nip}/01F20A5D352AE590/{hash}/{sig}",
        ksef::DEFAULT_HOST
    )
}

/// XML text with `&`, `<`, `>` and `"` escaped.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A small invoice in the shape of the FA(3) schema: header, seller, buyer, totals and lines.
fn xml(utility: &Utility, nip: &str, customer: &Customer, inv: &Invoice) -> Vec<u8> {
    let buyer: String = customer
        .nip
        .as_deref()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let net: rust_decimal::Decimal = inv.lines.iter().map(|l| l.net).sum();
    let mut x = String::new();
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Faktura xmlns=\"http://crd.gov.pl/wzor/2025/06/25/13775/\">\n\
         <Naglowek><KodFormularza kodSystemowy=\"FA (3)\" wersjaSchemy=\"1-0E\">FA</KodFormularza><WariantFormularza>3</WariantFormularza><DataWytworzeniaFa>{d}T12:00:00Z</DataWytworzeniaFa></Naglowek>\n\
         <Podmiot1><DaneIdentyfikacyjne><NIP>{nip}</NIP><Nazwa>{seller}</Nazwa></DaneIdentyfikacyjne></Podmiot1>\n\
         <Podmiot2><DaneIdentyfikacyjne><NIP>{buyer}</NIP><Nazwa>{name}</Nazwa></DaneIdentyfikacyjne></Podmiot2>\n\
         <Fa><KodWaluty>PLN</KodWaluty><P_1>{d}</P_1><P_2>{number}</P_2><P_13_1>{net:.2}</P_13_1><P_14_1>{vat:.2}</P_14_1><P_15>{gross:.2}</P_15><RodzajFaktury>VAT</RodzajFaktury>\n",
        d = inv.issue_date,
        seller = esc(&utility.name),
        name = esc(&customer.name),
        number = esc(&inv.number),
        vat = inv.charge - net,
        gross = inv.charge,
    );
    for (n, l) in inv.lines.iter().enumerate() {
        let _ = writeln!(
            x,
            "<FaWiersz><NrWierszaFa>{}</NrWierszaFa><P_7>{}</P_7><P_8A>{}</P_8A><P_8B>{}</P_8B><P_9A>{}</P_9A><P_11>{:.2}</P_11><P_12>23</P_12></FaWiersz>",
            n + 1,
            esc(l.name),
            esc(l.unit),
            l.quantity,
            l.unit_price,
            l.net
        );
    }
    x.push_str("</Fa>\n</Faktura>\n");
    x.into_bytes()
}
