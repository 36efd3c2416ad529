//! Response codes.
