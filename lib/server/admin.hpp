#pragma once

// What the admin handlers (admin_*.cpp) share: each worker's database connections for the admin
// API, the strict JSON body reader, the revision's actor, and path and query checks.

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "config/service.hpp"
#include "http/server.hpp"

namespace router::db {
class Database;
class LogRepository;
}  // namespace router::db

namespace router::server {

struct Call;
struct Shared;

/// One blocking-pool thread's connections for the admin API, opened at its first admin call and
/// used only on that thread: a configuration connection with its ConfigService (the one
/// implementation of every mutation), and a logs connection for the history and stats queries.
/// A connection per thread, instead of one shared behind a lock, means an admin call never waits
/// for another; SQLite serialises the writes themselves, and each is one short IMMEDIATE
/// transaction, so a write waits at most for another short write (or, when another program holds
/// the database, busy_timeout: on this thread, never on an I/O worker). Reads never wait (WAL).
class AdminStore {
 public:
  explicit AdminStore(const Shared& shared);  ///< `shared` outlives the store
  ~AdminStore();
  AdminStore(const AdminStore&) = delete;
  AdminStore& operator=(const AdminStore&) = delete;

  /// Throws kUnavailable when the database cannot be opened.
  [[nodiscard]] config::ConfigService& config();
  /// Throws kUnavailable when the database cannot be opened.
  [[nodiscard]] db::LogRepository& logs();

 private:
  const Shared& shared_;
  std::unique_ptr<db::Database> config_db_;
  std::unique_ptr<config::ConfigService> config_;
  std::unique_ptr<db::Database> logs_db_;
  std::unique_ptr<db::LogRepository> logs_;
};

/// The JSON object body of an admin request, taken field by field. finish() rejects every field
/// no one took, naming it and the accepted ones, so a misspelt field never passes silently.
/// Type errors are kInvalidArgument naming the field. Take every field, then finish(), then check
/// the required ones: a misspelt required field is then reported as the unknown one it is.
class JsonBody {
 public:
  /// kInvalidArgument for malformed JSON or a body that is not an object; an empty body is {}.
  explicit JsonBody(const http::Request& request);

  [[nodiscard]] std::optional<std::string> text(std::string_view field);
  [[nodiscard]] std::optional<std::int64_t> integer(std::string_view field);
  [[nodiscard]] std::optional<bool> boolean(std::string_view field);
  [[nodiscard]] std::optional<std::vector<std::string>> texts(std::string_view field);
  [[nodiscard]] std::optional<boost::json::object> object(std::string_view field);
  /// Any JSON value, null included.
  [[nodiscard]] std::optional<boost::json::value> value(std::string_view field);
  /// kInvalidArgument "missing field 'x'" for nullopt.
  template <typename T>
  [[nodiscard]] static T required(std::optional<T> v, std::string_view field) {
    if (!v) {
      missing(field);
    }
    return std::move(*v);
  }
  /// Throws kInvalidArgument when fields remain that no accessor took.
  void finish() const;

 private:
  [[noreturn]] static void missing(std::string_view field);
  std::optional<boost::json::value> take(std::string_view field);
  /// take(), converted; `convert` answers nullopt for a value of the wrong type.
  template <typename T, typename Convert>
  std::optional<T> take_as(std::string_view field, std::string_view expected, Convert convert);

  boost::json::object body_;
  std::vector<std::string> accepted_;
};

/// The revision's author: the admin key's name, source api, and the X-Router-Message header
/// (checked by the service: printable, bounded).
[[nodiscard]] config::Actor actor_of(const Call& call);
/// kInvalidArgument unless the body is empty (or {}): for endpoints whose path says everything.
void require_no_body(const Call& call);
/// kInvalidArgument for a query parameter the endpoint does not take, or one given twice.
void require_query(const Call& call, std::initializer_list<std::string_view> accepted);
/// Path parameter `i` as a provider id (a slug: no dots, no slashes); kInvalidArgument otherwise.
[[nodiscard]] const std::string& provider_param(const Call& call, std::size_t i);
/// Path parameter `i` as a model id (no "..", no spaces, no backslashes); kInvalidArgument otherwise.
[[nodiscard]] const std::string& model_param(const Call& call, std::size_t i);
/// Answers the call with `res`, from any thread: the response is written on the call's I/O
/// worker, and the call gives up its session (the session is only ever touched, and released, on
/// its own thread).
void answer(Call& call, http::Response&& res);
/// Answers the call with `doc` as JSON (through answer()).
void reply(Call& call, int status, const boost::json::object& doc);
/// The outcome document of a mutation, with the affected resource's current document as `field`.
[[nodiscard]] boost::json::object outcome_with(const config::Mutation& outcome, std::string_view field,
                                               boost::json::value resource);

}  // namespace router::server
