// PLACEHOLDER: replaced by the visualiser.
namespace gosim::view {}
