//! Evaluations against a real journal.
