#pragma once

#include <cstddef>
#include <string>

namespace sealbridge::bench {

// A valid one-page A4 PDF of about `size` bytes: most of it an incompressible image stream,
// as a scanned contract would be; classic xref table.
std::string make_large_pdf(std::size_t size);

}  // namespace sealbridge::bench
