#pragma once

// The whole seal API: types, decoding, encoding (seals and signatures), verification.
#include "seal/decode.hpp"
#include "seal/encode.hpp"
#include "seal/signature_encode.hpp"
#include "seal/types.hpp"
#include "seal/verify.hpp"
