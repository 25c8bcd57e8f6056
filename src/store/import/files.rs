//! The PDF files an import stores, each once under the SHA-256 of its content.

use crate::store::Tx;
use anyhow::Context;

impl Tx {
    /// SHA-256 of every stored file.
    pub async fn existing_files(&mut self) -> anyhow::Result<Vec<String>> {
        let sql = "SELECT sha256 FROM files";
        on_tx!(self, |conn| sqlx::query_scalar(sql).fetch_all(conn).await)
            .context("reading stored files")
    }

    /// Stores a file under its SHA-256; a file already there is left alone.
    pub async fn insert_file(
        &mut self,
        sha256: &str,
        content_type: &str,
        body: &[u8],
    ) -> anyhow::Result<()> {
        let sql = "INSERT INTO files (sha256, content_type, size, body) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (sha256) DO NOTHING";
        let size = i64::try_from(body.len()).context("file too large")?;
        on_tx!(self, |conn| sqlx::query(sql)
            .bind(sha256)
            .bind(content_type)
            .bind(size)
            .bind(body)
            .execute(conn)
            .await
            .map(|r| r.rows_affected()))
        .context("storing a file")?;
        Ok(())
    }
}
