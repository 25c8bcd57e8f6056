//! A photo or a document a user sends: fetched from Telegram (getFile, then the file's
//! URL) and handed to the core with its caption, which decides whether a case takes
//! it. The bytes are never logged; their type is checked by the core, not here.

use super::bot::Telegram;
use crate::core::IncomingFile;
use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::FileId;

/// The file of `msg` (the largest size of a photo), or `None` when it carries none.
pub(super) fn file_of(msg: &Message) -> Option<(FileId, String)> {
    if let Some(sizes) = msg.photo() {
        let largest = sizes.iter().max_by_key(|p| p.width * p.height)?;
        let name = format!("zdjecie-{}.jpg", largest.file.unique_id);
        return Some((largest.file.id.clone(), name));
    }
    let doc = msg.document()?;
    let name = doc.file_name.clone().unwrap_or_else(|| "dokument".into());
    Some((doc.file.id.clone(), name))
}

impl Telegram {
    /// Downloads file `id` named `name`.
    pub(super) async fn download(&self, id: FileId, name: String) -> anyhow::Result<IncomingFile> {
        let bot = self.sender.bot();
        let file = bot.get_file(id).await?;
        let mut body = Vec::with_capacity(file.size as usize);
        bot.download_file(&file.path, &mut body).await?;
        Ok(IncomingFile { name, body })
    }
}
