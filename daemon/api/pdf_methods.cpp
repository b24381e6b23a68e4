#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "api/json_rpc.hpp"
#include "api/methods.hpp"
#include "api/params.hpp"
#include "api/sign_params.hpp"
#include "api/signature_json.hpp"
#include "core/iso_time.hpp"
#include "crypto/digest.hpp"
#include "service/pdf_signing.hpp"
#include "service/seal_signing.hpp"

namespace sealbridge::api {

using nlohmann::json;

namespace {

sys_seconds now_seconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

double number_field(const json& object, const char* name, std::string_view where) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_number())
    throw error(errc::bad_params, std::string(where) + "." + name + " must be a number");
  return it->get<double>();
}

// {"page", "x_mm", "y_mm"}, {"keyword", "occurrence"?} or {"riding": {"pages": "all" | [from,
// to]}}.
service::pdf_placement placement_param(const json& params) {
  auto it = params.find("placement");
  if (it == params.end() || !it->is_object())
    throw error(errc::bad_params,
                "placement must be an object: {page, x_mm, y_mm}, {keyword} or {riding}");
  const auto& p = *it;
  if (p.contains("keyword")) {
    service::keyword_placement k;
    k.keyword = required_string(p, "keyword");
    if (p.contains("occurrence")) {
      if (!p["occurrence"].is_number_integer())
        throw error(errc::bad_params, "placement.occurrence must be an integer");
      k.occurrence = p["occurrence"].get<int>();
    }
    return k;
  }
  if (auto r = p.find("riding"); r != p.end()) {
    pdf::riding ride;
    const json pages = r->is_object() ? r->value("pages", json("all")) : json("all");
    if (pages.is_array() && pages.size() == 2 && pages[0].is_number_integer() &&
        pages[1].is_number_integer()) {
      ride.from_page = pages[0].get<int>();
      ride.to_page = pages[1].get<int>();
    } else if (!(pages.is_string() && pages.get<std::string>() == "all")) {
      throw error(errc::bad_params, R"(placement.riding.pages must be "all" or [from, to])");
    }
    return ride;
  }
  pdf::at_position at;
  if (!p.contains("page") || !p["page"].is_number_integer())
    throw error(errc::bad_params, "placement.page must be an integer (1 = first page)");
  at.page = p["page"].get<int>();
  at.x_mm = number_field(p, "x_mm", "placement");
  at.y_mm = number_field(p, "y_mm", "placement");
  return at;
}

json document_json(const service::document_info& doc) {
  return json{{"document", doc.id}, {"size", doc.size}, {"sha256", doc.sha256_hex}};
}

// One PDF to stamp: what the page asked, resolved on the key's worker before the dialog.
struct pdf_job {
  service::document_info input;
  std::string seal_id;
  service::pdf_placement where;
  std::optional<double> width_mm, height_mm;
  std::string reason, location;
  // Filled in on the worker:
  pdf::placement resolved;
  std::string seal_name, seal_es_id;
  pdf::picture picture;
  double seal_width_mm = 40, seal_height_mm = 40;
  bool seal_read = false;  // false until a private seal is read after login
};

service::document_info document_param(services& s, const json& params,
                                      const call_context& context) {
  auto id = required_string(params, "document");
  auto doc = s.documents.find(id, context.origin);
  if (!doc)
    throw error(errc::object_not_found, "no document " + id + " (upload it with POST /documents)");
  return *doc;
}

std::shared_ptr<pdf_job> pdf_job_from(services& s, const json& params,
                                      const call_context& context) {
  auto job = std::make_shared<pdf_job>();
  job->input = document_param(s, params, context);
  job->seal_id = required_string(params, "seal");
  job->where = placement_param(params);
  if (const auto& p = params["placement"]; p.contains("width_mm") || p.contains("height_mm")) {
    job->width_mm = number_field(p, "width_mm", "placement");
    job->height_mm = number_field(p, "height_mm", "placement");
  }
  job->reason = optional_string(params, "reason").value_or("");
  job->location = optional_string(params, "location").value_or("");
  return job;
}

void take_seal(pdf_job& job, const seal::seal& decoded) {
  job.seal_name = decoded.name;
  job.seal_es_id = decoded.es_id;
  job.picture = pdf::picture{decoded.pic.type, decoded.pic.data};
  if (decoded.pic.width_mm > 0 && decoded.pic.height_mm > 0) {
    job.seal_width_mm = static_cast<double>(decoded.pic.width_mm);
    job.seal_height_mm = static_cast<double>(decoded.pic.height_mm);
  }
  job.seal_read = true;
}

// Reads the seal (shown in the dialog) and finds the place; on the key's worker. A key that
// keeps its seals private shows them only after login: the dialog then names the seal by its
// id and the page must say which certificate signs.
void prepare_pdf_job(services& s, const service::token_access& key, pdf_job& job,
                     service::signing_request& request) {
  if (!key.token().module.seals.private_objects) {
    auto session = key.open_session(false);
    auto seal = service::find_seal(key, session, s.seal_policy, job.seal_id, now_seconds());
    take_seal(job, *seal.decoded);
    if (request.cert_id.empty()) {
      auto bound = service::bound_certificate_id(key, *seal.decoded);
      if (!bound)
        throw error(errc::seal_not_bound,
                    "no certificate on the key is bound to this seal: give cert");
      request.cert_id = *bound;
    }
    if (request.picture_png.empty()) request.picture_png = seal.decoded->pic.data;
  } else if (request.cert_id.empty()) {
    throw error(errc::bad_params, "cert is required when the key's seals are private");
  }
  job.resolved = service::resolve_placement(job.input.path, job.where);
  int page = 0;
  if (auto* at = std::get_if<pdf::at_position>(&job.resolved)) page = at->page;
  if (auto* pt = std::get_if<pdf::at_point>(&job.resolved)) page = pt->page;
  request.items.push_back({job.input.name.empty() ? "PDF" : job.input.name,
                           page ? std::to_string(page) : "骑缝 / riding", job.input.sha256_hex,
                           "印章 / Seal: " + (job.seal_read ? job.seal_name : job.seal_id)});
}

// After login: a private seal is read now, in the logged-in session.
void read_private_seal(services& s, const service::token_access& access,
                       const pkcs11::session& session, pdf_job& job) {
  if (job.seal_read) return;
  auto seal = service::find_seal(access, session, s.seal_policy, job.seal_id, now_seconds());
  take_seal(job, *seal.decoded);
}

// Work a page may cancel by the `operation` name it gave it: a pdf.sign stops while hashing,
// a batch's items not yet signed answer CANCELLED. Keyed by origin too, so one page cannot cancel
// another's batch.
class batch_cancellations {
 public:
  std::shared_ptr<std::atomic<bool>> open(const std::string& origin, const std::string& name) {
    std::lock_guard lock(mutex_);
    std::erase_if(flags_, [](const auto& entry) { return entry.second.expired(); });
    auto flag = std::make_shared<std::atomic<bool>>(false);
    if (!name.empty()) flags_[{origin, name}] = flag;
    return flag;
  }
  bool cancel(const std::string& origin, const std::string& name) {
    std::lock_guard lock(mutex_);
    auto it = flags_.find({origin, name});
    if (it == flags_.end()) return false;
    auto flag = it->second.lock();
    if (!flag) return false;
    flag->store(true);
    return true;
  }

 private:
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::weak_ptr<std::atomic<bool>>> flags_;
};

batch_cancellations& cancellations() {
  static batch_cancellations instance;
  return instance;
}

json stamp(services& s, service::signing_key& key, const call_context& context, pdf_job& job,
           const service::pdf_progress& progress = {}) {
  pdf::signature_spec spec;
  spec.where = job.resolved;
  spec.image = job.picture;
  spec.width_mm = job.width_mm.value_or(job.seal_width_mm);
  spec.height_mm = job.height_mm.value_or(job.seal_height_mm);
  spec.name = key.certificate().info.subject;
  spec.reason = job.reason.empty() ? "盖章：" + job.seal_name : job.reason;
  spec.location = job.location;
  spec.seal_name = job.seal_name;
  spec.seal_es_id = job.seal_es_id;
  spec.signing_time = std::chrono::system_clock::now();
  auto output = s.documents.reserve_path();
  auto signed_pdf = service::sign_pdf(key, job.input.path, output, spec, progress);
  auto stored = s.documents.adopt(output, context.origin, "application/pdf", job.input.name);
  auto out = document_json(stored);
  out["signature"] =
      json{{"pages", signed_pdf.pages},
           {"seal", {{"id", job.seal_id}, {"name", job.seal_name}, {"es_id", job.seal_es_id}}},
           {"sub_filter", signed_pdf.sub_filter},
           {"byte_range", signed_pdf.byte_range},
           {"signer", signer_json(key.certificate().der)}};
  return out;
}

// Over WebSocket a long pdf.sign tells the page how far it is: `sign.progress` with the
// operation's name, the stage and, while hashing, the bytes done of the total.
service::pdf_progress pdf_progress_for(const call_context& context, const std::string& operation,
                                       std::shared_ptr<std::atomic<bool>> cancelled) {
  return [sink = context.sink, operation, cancelled](std::string_view stage, std::uint64_t done,
                                                     std::uint64_t total) {
    if (cancelled->load()) throw error(errc::cancelled, "the signing was cancelled");
    auto target = sink.lock();
    if (!target) return;
    json p{{"stage", stage}};
    if (!operation.empty()) p["operation"] = operation;
    if (total) {
      p["done"] = done;
      p["total"] = total;
    }
    target->push(notification("sign.progress", std::move(p))
                     .dump(-1, ' ', false, json::error_handler_t::replace));
  };
}

void pdf_sign(services& s, const json& params, const call_context& context, responder reply) {
  auto request = signing_request_from(params, context, "签署文件", "Sign document", true);
  auto job = pdf_job_from(s, params, context);
  request.prepare = [&s, job](const service::token_access& key, service::signing_request& r) {
    prepare_pdf_job(s, key, *job, r);
  };
  const auto operation = optional_string(params, "operation").value_or("");
  auto progress =
      pdf_progress_for(context, operation, cancellations().open(context.origin, operation));
  s.signing.sign(
      std::move(request),
      [&s, reply, job, context, progress](service::signing_key& key,
                                          const service::token_access& access,
                                          const pkcs11::session& session) {
        read_private_seal(s, access, session, *job);
        reply.ok(stamp(s, key, context, *job, progress));
      },
      [reply](std::exception_ptr thrown) { reply.fail(thrown); });
}

json verify_report(const std::vector<bytes>& roots, const service::document_info& doc) {
  json list = json::array();
  for (const auto& r : service::verify_pdf(doc.path, roots)) {
    json one{{"valid", r.valid},
             {"trusted", r.trusted},
             {"kind", r.kind},
             {"field", r.found.field_name},
             {"sub_filter", r.found.sub_filter},
             {"signer", signer_json(r.signer_cert_der)},
             {"name", r.found.name},
             {"reason", r.found.reason},
             {"page", r.found.page},
             {"byte_range", r.found.byte_range},
             {"covers_whole_document", r.found.covers_whole_document},
             {"modified_after", r.found.modified_after},
             {"errors", r.errors}};
    one["signed_at"] =
        r.signed_at ? json(to_iso8601(*r.signed_at)) : json(r.found.signing_time_text);
    json seal = json::object();
    if (!r.seal_name.empty()) seal["name"] = r.seal_name;
    if (!r.seal_es_id.empty()) seal["es_id"] = r.seal_es_id;
    if (r.found.appearance_image) {
      seal["picture"] = {{"type", r.found.appearance_image->type},
                         {"data", to_base64(r.found.appearance_image->data)}};
    }
    if (!seal.empty()) one["seal"] = std::move(seal);
    list.push_back(std::move(one));
  }
  return json{{"signatures", std::move(list)}};
}

// Reading and hashing a large PDF takes a while: it runs on the document worker, not on an API
// thread other pages' calls need.
void pdf_verify(services& s, const json& params, const call_context& context, responder reply) {
  auto doc = document_param(s, params, context);
  // The job holds copies only: it may still run while the daemon shuts down.
  s.document_work.post([roots = s.signing_roots, doc, reply] {
    reply.guard([&] { reply.ok(verify_report(roots, doc)); });
  });
}

// sign.batch: many hashes or PDFs with one approval and one login; each item answers for
// itself, so one failure loses nothing else.
void sign_batch(services& s, const json& params, const call_context& context, responder reply) {
  auto request = signing_request_from(params, context, "批量签署", "Sign in batch", true);
  auto items = params.find("items");
  if (items == params.end() || !items->is_array() || items->empty())
    throw error(errc::bad_params, "items must be a non-empty list");
  if (items->size() > 1000) throw error(errc::bad_params, "a batch holds at most 1000 items");

  struct batch_item {
    std::optional<bytes> hash;
    crypto::digest_alg digest = crypto::digest_alg::sha256;
    std::shared_ptr<pdf_job> pdf;
    std::optional<error> refused;  // found before signing
  };
  auto work = std::make_shared<std::vector<batch_item>>();
  for (const auto& item : *items) {
    batch_item one;
    try {
      if (!item.is_object()) throw error(errc::bad_params, "each item is an object");
      if (item.contains("document")) {
        one.pdf = pdf_job_from(s, item, context);
      } else {
        one.hash = required_base64(item, "hash");
        one.digest = digest_param(item, std::nullopt);
        if (one.hash->size() != crypto::digest_size(one.digest))
          throw error(errc::bad_params, "hash is not as long as its hash_alg requires");
      }
    } catch (const error& e) {
      one.refused = e;
    }
    work->push_back(std::move(one));
  }
  request.item_count = work->size();
  request.prepare = [&s, work](const service::token_access& key, service::signing_request& r) {
    for (auto& item : *work) {
      if (item.refused) continue;
      try {
        if (item.pdf)
          prepare_pdf_job(s, key, *item.pdf, r);
        else
          r.items.push_back({"摘要 / Digest", "", "", to_hex(*item.hash)});
      } catch (const error& e) {
        item.refused = e;
      }
    }
    if (r.cert_id.empty()) throw error(errc::bad_params, "cert is required for a batch of hashes");
  };
  auto sink = context.sink;
  const auto operation = optional_string(params, "operation").value_or("");
  auto cancelled = cancellations().open(context.origin, operation);
  s.signing.sign(
      std::move(request),
      [&s, reply, work, context, sink, cancelled, operation](service::signing_key& key,
                                                             const service::token_access& access,
                                                             const pkcs11::session& session) {
        json results = json::array();
        std::size_t done = 0;
        // At most one progress notification per interval (and always one for the last item):
        // a hundred hashes sign in a few milliseconds, and a notification for each would cost
        // the key's worker and the connection more than the signatures.
        using clock = std::chrono::steady_clock;
        constexpr auto kProgressInterval = std::chrono::milliseconds(100);
        auto last_progress = clock::now();
        for (auto& item : *work) {
          json one;
          try {
            if (item.refused) throw *item.refused;
            if (cancelled->load()) throw error(errc::cancelled, "the batch was cancelled");
            if (item.pdf) {
              read_private_seal(s, access, session, *item.pdf);
              // A cancel also stops the document being hashed, not only the ones after it.
              one = stamp(s, key, context, *item.pdf,
                          [cancelled](std::string_view, std::uint64_t, std::uint64_t) {
                            if (cancelled->load())
                              throw error(errc::cancelled, "the batch was cancelled");
                          });
            } else {
              auto family = key.certificate().family;
              bytes signature =
                  family == service::key_family::rsa
                      ? key.sign_rsa(item.digest, *item.hash, service::rsa_padding::pkcs1)
                  : family == service::key_family::ec
                      ? crypto::ec_raw_to_der(key.sign_ecdsa(*item.hash))
                      : key.sign_sm2_digest(*item.hash);
              one = json{{"signature", to_base64(signature)}};
            }
          } catch (const error& e) {
            one = json{{"error", error_object(e)["data"]}};
          }
          results.push_back(std::move(one));
          ++done;
          const auto now = clock::now();
          if (done < work->size() && now - last_progress < kProgressInterval) continue;
          last_progress = now;
          if (auto target = sink.lock()) {
            json p{{"done", done}, {"total", work->size()}};
            if (!operation.empty()) p["operation"] = operation;
            target->push(notification("sign.progress", std::move(p))
                             .dump(-1, ' ', false, json::error_handler_t::replace));
          }
        }
        reply.ok(json{{"results", std::move(results)}});
      },
      [reply](std::exception_ptr thrown) { reply.fail(thrown); });
}

}  // namespace

void add_pdf_methods(dispatcher& table, services& s) {
  table.add_async("pdf.sign",
                  [&s](const json& params, const call_context& context, responder reply) {
                    pdf_sign(s, params, context, std::move(reply));
                  });
  table.add_async("pdf.verify",
                  [&s](const json& params, const call_context& context, responder reply) {
                    pdf_verify(s, params, context, std::move(reply));
                  });
  table.add("sign.cancel", [](const json& params, const call_context& context) {
    return json{{"cancelled",
                 cancellations().cancel(context.origin, required_string(params, "operation"))}};
  });
  table.add_async("sign.batch",
                  [&s](const json& params, const call_context& context, responder reply) {
                    sign_batch(s, params, context, std::move(reply));
                  });
}

}  // namespace sealbridge::api
