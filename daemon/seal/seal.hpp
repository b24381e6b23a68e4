#pragma once

// The whole seal API: types, decoding, encoding, verification.
#include "seal/decode.hpp"
#include "seal/encode.hpp"
#include "seal/types.hpp"
#include "seal/verify.hpp"
