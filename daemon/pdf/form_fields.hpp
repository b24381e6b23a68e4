#pragma once

#include <qpdf/QPDFObjectHandle.hh>
#include <string>
#include <vector>

// AcroForm field tree walking, bounded against loops and absurd depth in outside files.
namespace sealbridge::pdf {

struct form_field {
  QPDFObjectHandle dict;
  std::string full_name;  // partial names joined with '.', as UTF-8
  std::string type;       // inherited /FT without the slash, e.g. "Sig"
};

// Terminal fields (those without field kids), in /Fields order.
std::vector<form_field> terminal_fields(QPDFObjectHandle acroform);

// The field's widgets: the field itself when merged, else its kids without /T.
std::vector<QPDFObjectHandle> widgets_of(QPDFObjectHandle field);

}  // namespace sealbridge::pdf
