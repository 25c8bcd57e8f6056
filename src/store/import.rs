//! Bulk upserts for the billing import (owned by the import work).
