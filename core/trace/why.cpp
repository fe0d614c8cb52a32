// PLACEHOLDER: replaced by the trace implementation.
