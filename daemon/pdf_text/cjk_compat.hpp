#pragma once

namespace sealbridge::pdf {

// Some producers' ToUnicode maps send common ideographs to look-alike radicals or
// compatibility ideographs (⽇ U+2F47 for 日 U+65E5): the unified ideograph a reader means, or
// `c` itself.
char32_t unified_ideograph(char32_t c);

}  // namespace sealbridge::pdf
