//! Terminal settings: a small key/value table (operator, merchant name, parameters from the host).

use rusqlite::{params, OptionalExtension};

use super::error::StoreError;
use super::Store;

impl Store {
    /// The value of a setting, if set.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.lock().query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    /// Sets a setting.
    pub(crate) fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.lock().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Removes a setting.
    pub(crate) fn remove_setting(&self, key: &str) -> Result<(), StoreError> {
        self.lock().execute("DELETE FROM settings WHERE key = ?1", [key])?;
        Ok(())
    }
}
