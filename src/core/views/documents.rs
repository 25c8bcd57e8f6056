//! The customer's documents: debt collection and court cases (S17), contracts and
//! annexes, and a document's PDF (S18).

use super::{CustomerCtx, as_typed_then_upper, not_found};
use crate::domain::money::from_grosze;
use crate::domain::reply::{Reply, View};
use serde_json::json;

impl CustomerCtx<'_> {
    pub(crate) async fn collections(&self) -> anyhow::Result<Reply> {
        let list = self.ctx.core.store().collections(self.id).await?;
        let cases: Vec<serde_json::Value> = list
            .iter()
            .map(|c| {
                let mut v = serde_json::to_value(c).unwrap_or_default();
                v["principal"] = json!(from_grosze(c.principal_gr));
                v["interest"] = json!(from_grosze(c.interest_gr));
                v["costs"] = json!(from_grosze(c.costs_gr));
                v["total"] = json!(from_grosze(c.principal_gr + c.interest_gr + c.costs_gr));
                v["open"] = json!(c.status == crate::domain::model::CollectionStatus::Open);
                v
            })
            .collect();
        // A household's complaint about a disconnection notice (art. 6c) holds the
        // disconnection until decided: the view says so with the day it would count as
        // accepted.
        let pending: Vec<serde_json::Value> = self
            .ctx
            .core
            .store()
            .open_disconnection_cases(self.id)
            .await?
            .iter()
            .map(|c| json!({ "number": c.number, "deadline": c.deadline }))
            .collect();
        Ok(Reply::new(
            self.lang(),
            View::new("collections", json!({ "cases": cases, "pending": pending })),
        ))
    }

    pub(crate) async fn documents(&self) -> anyhow::Result<Reply> {
        let list = self.ctx.core.store().contracts(self.id).await?;
        let mut reply = Reply::new(
            self.lang(),
            View::new("documents", json!({ "documents": list })),
        );
        for (i, c) in list.iter().filter(|c| c.pdf_sha256.is_some()).enumerate() {
            let row = u8::try_from(i).unwrap_or(u8::MAX);
            reply = reply.with_action("download", &c.number, format!("dokument {}", c.number), row);
        }
        Ok(reply)
    }

    pub(crate) async fn document(&self, number: &str) -> anyhow::Result<Reply> {
        let store = self.ctx.core.store();
        let mut found = None;
        for candidate in as_typed_then_upper(number) {
            found = store.contract(self.id, &candidate).await?;
            if found.is_some() {
                break;
            }
        }
        let Some(c) = found else {
            return Ok(not_found(self.lang(), "document_not_found", number));
        };
        self.attach(c.pdf_sha256.as_deref(), c.pdf_name.as_deref(), &c.number)
            .await
    }
}
