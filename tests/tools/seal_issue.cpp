#include "tests/tools/seal_issue.hpp"

#include <chrono>

#include "seal/encode.hpp"
#include "tests/tools/seal_picture.hpp"
#include "tests/tools/tool_files.hpp"

namespace sealbridge::tools {

bytes issue_seal(const issue_request& request) {
  seal::seal_content content;
  content.es_id = request.es_id;
  content.vid = request.vid;
  content.type = request.type;
  content.name = request.name;
  content.cert_list_type = 1;
  content.certs.push_back(read_certificate_der(request.user_cert));
  content.create_date = request.created.value_or(
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  content.valid_start = request.valid_from;
  content.valid_end = request.valid_to;
  content.pic.type = "PNG";
  content.pic.data = request.picture ? read_file(*request.picture) : draw_round_seal_png();
  content.pic.width_mm = request.width_mm;
  content.pic.height_mm = request.height_mm;

  auto maker_key = read_private_key(request.maker.maker_key());
  auto maker_cert = read_certificate_der(request.maker.maker_cert());
  return seal::encode_seal_v4(content, maker_key.get(), maker_cert);
}

}  // namespace sealbridge::tools
