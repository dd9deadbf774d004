// The SQLite implementations of the sub-stores, sharing one connection pool.
#pragma once
#include <memory>

#include "core/json.hpp"
#include "store/contact_channel_store.hpp"
#include "store/project_store.hpp"
#include "store/sent_email_store.hpp"
#include "store/session_store.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "store/user_store.hpp"
#include "store/verification_code_store.hpp"

namespace latchkey::store::sqlite {

std::unique_ptr<ProjectStore> make_project_store(Pool& pool);
std::unique_ptr<UserStore> make_user_store(Pool& pool);
std::unique_ptr<SessionStore> make_session_store(Pool& pool);
std::unique_ptr<ContactChannelStore> make_contact_channel_store(Pool& pool);
std::unique_ptr<VerificationCodeStore> make_verification_code_store(Pool& pool);
std::unique_ptr<SentEmailStore> make_sent_email_store(Pool& pool);

// JSON columns: NULL is JSON null.
Json parse_json_or_null(const std::optional<std::string>& s);
std::optional<std::string> dump_or_null(const Json& j);

}  // namespace latchkey::store::sqlite
