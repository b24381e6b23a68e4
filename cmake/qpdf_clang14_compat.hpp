#pragma once

// Forced include for clang < 15 only (see the top-level CMakeLists.txt): stands in for
// <qpdf/JSON.hh>, which that compiler cannot parse as C++20 with libstdc++ 12. qpdf's headers
// only name JSON in declarations, for which a forward declaration suffices; what JSON.hh itself
// includes is included here so that nothing else changes for the includer.
#include <qpdf/DLL.h>
#include <qpdf/Types.h>

#include <functional>
#include <list>
#include <map>
#include <memory>
#include <qpdf/PointerHolder.hh>
#include <set>
#include <string>
#include <vector>

class JSON;
#define JSON_HH
