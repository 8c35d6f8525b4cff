// Text that goes into a proto3 `string` must be valid UTF-8: a peer's
// protobuf refuses the whole message otherwise. Messages and names can carry
// bytes from untrusted input (a PTX image's lexer echoes what it read), so
// every such string is passed through ValidUtf8 before it is sent.
#pragma once

#include <string>
#include <string_view>

namespace vgpu {

// `text` with each byte that is not part of a well-formed UTF-8 sequence
// (overlong forms, surrogates and code points above U+10FFFF included)
// replaced by the four characters \xNN. Valid text comes back unchanged.
std::string ValidUtf8(std::string_view text);

}  // namespace vgpu
