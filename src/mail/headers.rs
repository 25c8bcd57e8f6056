//! Headers of automatic mail (RFC 3834): the email replies and the automatic notices
//! carry them, so out-of-office robots and mail filters do not answer them.

use lettre::message::header::{Header, HeaderName, HeaderValue};

/// `Auto-Submitted` (RFC 3834).
#[derive(Debug, Clone)]
pub struct AutoSubmitted(String);

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted(s.to_string()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `X-Auto-Response-Suppress: All`: Exchange and Outlook send no out-of-office to it.
#[derive(Debug, Clone)]
pub struct SuppressAutoResponses;

impl Header for SuppressAutoResponses {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Auto-Response-Suppress")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(SuppressAutoResponses)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "All".to_string())
    }
}

impl AutoSubmitted {
    /// An answer to a mail (the email replies).
    pub fn replied() -> AutoSubmitted {
        AutoSubmitted("auto-replied".into())
    }

    /// A notice that answers no mail (e.g. the owner told of another sender).
    pub fn generated() -> AutoSubmitted {
        AutoSubmitted("auto-generated".into())
    }
}

/// `List-Unsubscribe` (RFC 2369): how to turn the notifications off, e.g.
/// `<mailto:ebok@example.com?subject=POWIADOMIENIA%20WYLACZ>`.
#[derive(Debug, Clone)]
pub struct ListUnsubscribe(pub String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_string()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}
