// RateLimitStore: shared throttle counts, one row per limit, key digest and
// window; counted by one upsert, so concurrent instances never lose a count.
#include "store/domain/stores.hpp"

namespace latchkey::store::domain {
namespace {

const sql::Sql kRead{
    "SELECT window_start, hits FROM rate_limit_counts "
    "WHERE limit_name = $1 AND key_digest = $2 AND window_start IN ($3, $4)"};
// The WHERE of DO UPDATE leaves a full window as it is, and then RETURNING
// gives no row: the event was refused, not counted.
const sql::Sql kAdd{
    "INSERT INTO rate_limit_counts (limit_name, key_digest, window_start, hits, expires_at) "
    "VALUES ($1, $2, $3, 1, $4) "
    "ON CONFLICT (limit_name, key_digest, window_start) "
    "DO UPDATE SET hits = rate_limit_counts.hits + 1 WHERE rate_limit_counts.hits < $5 "
    "RETURNING hits"};
const sql::Sql kForget{"DELETE FROM rate_limit_counts WHERE limit_name = $1 AND key_digest = $2"};
const sql::Sql kDeleteExpired{"DELETE FROM rate_limit_counts WHERE expires_at <= $1"};

class SqlRateLimitStore final : public RateLimitStore {
 public:
  explicit SqlRateLimitStore(sql::Database& db) : db_(db) {}

  RateLimitCounts read_rate_limit_counts(const std::string& limit, const std::string& key_digest,
                                         int64_t window_start, int64_t window_millis) override {
    auto c = db_.acquire();
    auto r = c->query(kRead, limit, key_digest, window_start, window_start - window_millis);
    RateLimitCounts counts;
    while (r.next()) (r.int64(0) == window_start ? counts.current : counts.previous) = r.int64(1);
    return counts;
  }

  std::optional<int64_t> add_rate_limit_event(const std::string& limit,
                                              const std::string& key_digest, int64_t window_start,
                                              int64_t expires_at, int64_t cap) override {
    if (cap <= 0) return std::nullopt;
    auto c = db_.acquire();
    sql::CountWritesIn uncounted(*c, unwatched_);
    auto r = c->query(kAdd, limit, key_digest, window_start, expires_at, cap);
    if (!r.next()) return std::nullopt;
    return r.int64(0);
  }

  void forget_rate_limit_key(const std::string& limit, const std::string& key_digest) override {
    auto c = db_.acquire();
    sql::CountWritesIn uncounted(*c, unwatched_);
    c->exec(kForget, limit, key_digest);
  }

  int delete_expired_rate_limit_counts(int64_t now_millis) override {
    auto c = db_.acquire();
    sql::CountWritesIn uncounted(*c, unwatched_);
    return c->exec(kDeleteExpired, now_millis);
  }

 private:
  sql::Database& db_;
  // Counts change on every throttled request and no cached read shows them:
  // counted in Store::write_generation they would empty the read cache.
  std::atomic<uint64_t> unwatched_{0};
};

}  // namespace

std::unique_ptr<RateLimitStore> make_rate_limit_store(sql::Database& db) {
  return std::make_unique<SqlRateLimitStore>(db);
}

}  // namespace latchkey::store::domain
