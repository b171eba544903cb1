#pragma once
// Reading one (possibly compressed) domain name out of a DNS message. Internal to the DNS
// parser; separate because it is where hostile input does its worst.

#include <string>

#include "protocols/byte_reader.h"
#include "protocols/parse_status.h"

namespace egresswatch {

// Reads the name at the reader's offset; `reader.data()` must be the whole message, since
// compression pointers are offsets from its start. On success the reader moves past the name
// as stored there (a pointer counts as its 2 bytes) and `name` is lower-cased, escaped, and
// without the trailing dot ("" is the root). need_more: the bytes end inside the name.
// malformed: a bad label type, a name over 255 bytes, or a pointer that does not jump
// strictly backwards of the previous jump (which is what rules out loops).
ParseStatus read_dns_name(ByteReader& reader, std::string& name);

}  // namespace egresswatch
