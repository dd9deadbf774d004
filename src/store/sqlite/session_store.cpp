#include "store/sqlite/sqlite_db.hpp"
#include "store/sqlite/stores.hpp"

namespace latchkey::store::sqlite {
namespace {

// Not implemented yet: the sessions issue fills this in. Every method
// throws so that nothing silently succeeds.
class SqliteSessionStore final : public SessionStore {
 public:
  explicit SqliteSessionStore(Pool& pool) : pool_(pool) {}
  [[noreturn]] static void todo() { throw std::logic_error("session store: not implemented"); }
  void create_session(const Session&) override { todo(); }
  std::optional<Session> find_session_by_token_digest(const std::string&) override { todo(); }
  std::optional<Session> get_session(const std::string&, const std::string&) override { todo(); }
  std::vector<Session> list_sessions(const std::string&, const std::string&) override { todo(); }
  bool delete_session(const std::string&, const std::string&) override { todo(); }
  int delete_user_sessions(const std::string&, const std::string&,
                           const std::optional<std::string>&) override {
    todo();
  }
  void record_session_use(const std::string&, const std::string&, int64_t, const std::string&,
                          const std::string&) override {
    todo();
  }

 private:
  [[maybe_unused]] Pool& pool_;
};

}  // namespace

std::unique_ptr<SessionStore> make_session_store(Pool& pool) {
  return std::make_unique<SqliteSessionStore>(pool);
}

}  // namespace latchkey::store::sqlite
