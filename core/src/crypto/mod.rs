//! Payment cryptography: TDES, MACs, check values, working keys, PIN blocks, DUKPT, sealing.
