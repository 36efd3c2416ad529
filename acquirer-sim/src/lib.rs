//! A UnionPay acquirer host simulator.
