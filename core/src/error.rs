//! The public error of the core, mapped from the internal error enums.
