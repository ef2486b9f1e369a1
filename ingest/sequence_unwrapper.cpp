#include "ingest/sequence_unwrapper.hpp"

namespace tafel::ingest {
// The two widths RTP uses, compiled once.
template class Unwrapper<16>;
template class Unwrapper<32>;
} // namespace tafel::ingest
