// PLACEHOLDER: replaced by the scenario parser.
