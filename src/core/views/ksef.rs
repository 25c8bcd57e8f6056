//! An invoice's KSeF verification code (KOD I: a QR code of the verification link with
//! the KSeF number, or `OFFLINE`, under it; an offline invoice's KOD II as the billing
//! system made it) and its XML document (docs/ksef.md).

use super::{CustomerCtx, not_found};
use crate::domain::ksef;
use crate::domain::model::Invoice;
use crate::domain::reply::{Attachment, Reply, View};
use crate::payment::caption::qr_png_captioned;
use serde_json::json;

/// The caption of an offline invoice's first code until KSeF numbers it.
const OFFLINE: &str = "OFFLINE";
/// The caption of KOD II.
const CERTIFICATE: &str = "CERTYFIKAT";

impl CustomerCtx<'_> {
    pub(crate) async fn ksef_code(&self, number: &str) -> anyhow::Result<Reply> {
        let Some(inv) = self.find_invoice(number).await? else {
            return Ok(not_found(self.lang(), "bill_not_found", number));
        };
        let Some(link) = verification_link(self.ctx.core.settings(), &inv) else {
            return Ok(not_found(self.lang(), "ksef_none", &inv.number));
        };
        let k = &inv.ksef;
        let stem = inv.number.replace('/', "_");
        let file_name = format!("ksef-{stem}.png");
        let data = json!({
            "number": inv.number, "kind": inv.kind.as_str(), "ksef_number": k.ksef_number,
            "link": link, "kod2": k.ksef_kod2, "file_name": file_name,
        });
        let mut reply = Reply::new(self.lang(), View::new("ksef_code", data));
        let caption = k.ksef_number.as_deref().unwrap_or(OFFLINE);
        reply.attachments.push(png(file_name, &link, caption)?);
        if let Some(kod2) = &k.ksef_kod2 {
            let name = format!("ksef-{stem}-certyfikat.png");
            reply.attachments.push(png(name, kod2, CERTIFICATE)?);
        }
        Ok(reply)
    }

    pub(crate) async fn xml(&self, number: &str) -> anyhow::Result<Reply> {
        let Some(inv) = self.find_invoice(number).await? else {
            return Ok(not_found(self.lang(), "bill_not_found", number));
        };
        let file = match &inv.ksef.xml_sha256 {
            Some(sha) => self.ctx.core.store().file(sha).await?,
            None => None,
        };
        let Some(file) = file else {
            return Ok(not_found(self.lang(), "xml_unavailable", &inv.number));
        };
        let file_name = format!("{}.xml", inv.number.replace('/', "_"));
        let data = json!({ "number": inv.number, "file_name": file_name });
        let mut reply = Reply::new(self.lang(), View::new("file_sent", data));
        reply.attachments.push(Attachment {
            file_name,
            content_type: file.content_type,
            body: file.body,
            inline: false,
        });
        Ok(reply)
    }
}

/// The invoice's verification link, when it is a KSeF invoice with a hash: the seller's
/// NIP from its KSeF number, or the utility's while an offline invoice awaits it.
pub(crate) fn verification_link(
    settings: &crate::config::Settings,
    inv: &Invoice,
) -> Option<String> {
    let k = &inv.ksef;
    let hash = k.ksef_hash.as_deref().filter(|_| k.is_ksef())?;
    let nip = k
        .ksef_number
        .as_deref()
        .and_then(|n| n.get(..10))
        .unwrap_or(&settings.utility.nip);
    Some(ksef::verification_link(
        &settings.ksef.host,
        nip,
        inv.issue_date,
        hash,
    ))
}

fn png(file_name: String, text: &str, caption: &str) -> anyhow::Result<Attachment> {
    Ok(Attachment {
        file_name,
        content_type: "image/png".into(),
        body: qr_png_captioned(text, caption)?,
        inline: true,
    })
}
