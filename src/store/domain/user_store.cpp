// UserStore: users with their primary e-mail channel, passkey flag, selected
// team and OAuth accounts read in one SELECT, their updates and the user list.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include "core/crypto.hpp"
#include "store/domain/stores.hpp"

namespace latchkey::store::domain {
namespace {

// The user row (u), its primary e-mail channel (cc) and whether it has a
// passkey. selected_team_id is not among them: it is read from the selected
// team, which counts only while the user is a member (read_user).
const sql::Columns<User> kColumns{
    {"id", &User::id},
    {"project_id", &User::project_id},
    {"display_name", &User::display_name},
    {"profile_image_url", &User::profile_image_url},
    {"client_metadata", &User::client_metadata},
    {"client_read_only_metadata", &User::client_read_only_metadata},
    {"server_metadata", &User::server_metadata},
    {"requires_totp_mfa", &User::requires_totp_mfa},
    sql::Column<User>::bytes("totp_secret", &User::totp_secret),
    {"is_anonymous", &User::is_anonymous},
    {"created_at", &User::created_at_millis},
    {"last_active_at", &User::last_active_at_millis},
    {"password_hash", &User::password_hash},
    {"otp_auth_enabled", &User::otp_auth_enabled},
    {"cc.value", &User::primary_email},
    {"cc.is_verified", &User::primary_email_verified},
    {"cc.used_for_auth", &User::primary_email_auth_enabled},
    {"EXISTS (SELECT 1 FROM passkeys pk WHERE pk.project_id = u.project_id AND "
     "pk.user_id = u.id)",
     &User::passkey_auth_enabled},
    {"restricted_by_admin", &User::restricted_by_admin},
    {"restricted_by_admin_reason", &User::restricted_by_admin_reason},
    {"restricted_by_admin_private_details", &User::restricted_by_admin_private_details},
    {"country_code", &User::country_code},
    {"risk_score_bot", &User::risk_score_bot},
    {"risk_score_free_trial_abuse", &User::risk_score_free_trial_abuse},
};

// The user's OAuth accounts as a JSON array, oldest first (read with
// oauth_providers_from_json): each engine aggregates JSON its own way.
// SQLite 3.40 has no ORDER BY inside an aggregate, so it aggregates an
// ordered subquery.
const char* const kOAuthSqlite =
    "(SELECT json_group_array(json_object('id', o.provider_id, 'account_id', "
    "o.provider_account_id, 'email', o.email)) FROM (SELECT * FROM oauth_accounts o "
    "WHERE o.project_id = u.project_id AND o.user_id = u.id "
    "ORDER BY o.created_at, o.provider_id, o.provider_account_id) o)";
const char* const kOAuthPostgres =
    "(SELECT COALESCE(json_agg(json_build_object('id', o.provider_id, 'account_id', "
    "o.provider_account_id, 'email', o.email) ORDER BY o.created_at, o.provider_id, "
    "o.provider_account_id), '[]'::json)::text FROM oauth_accounts o "
    "WHERE o.project_id = u.project_id AND o.user_id = u.id)";

// SELECT … FROM `from` (which names the user row u) with every join a User
// needs: kColumns, then the selected team's columns (NULL unless the user is
// a member of the team: the team is joined through the membership), then
// the OAuth array.
std::string user_select(const sql::Dialect& d, std::string_view from = "users u") {
  return "SELECT " + kColumns.list("u") + ", " + team_columns().list("st") + ", " +
         (d.engine == sql::Engine::kSqlite ? kOAuthSqlite : kOAuthPostgres) + " FROM " +
         std::string(from) +
         " LEFT JOIN contact_channels cc ON cc.project_id = u.project_id AND "
         "cc.user_id = u.id AND cc.type = 'email' AND cc.is_primary "
         "LEFT JOIN team_members sm ON sm.project_id = u.project_id AND sm.team_id = "
         "u.selected_team_id AND sm.user_id = u.id "
         "LEFT JOIN teams st ON st.project_id = sm.project_id AND st.id = sm.team_id ";
}

// A join whose left side the plan must read first: SQLite's planner keeps
// the order of a CROSS JOIN (without statistics it may otherwise prefer
// walking the page order and probing the few candidates); PostgreSQL plans
// a plain join by its statistics.
std::string_view join_in_order(const sql::Dialect& d) {
  return d.engine == sql::Engine::kSqlite ? " CROSS JOIN " : " JOIN ";
}

// How a list finds its users (ListUsersQuery::plan): no text filter, the
// text filter checked on each user in page order (to the end, or up to a
// given user: kWalkRange), or the users the search index names (a
// superset), checked the same way and sorted.
// A team's list starts from its members when the team is small (kTeam,
// kTeamWalk with a text), rather than walking every user for them.
enum class Search { kNone, kWalk, kWalkRange, kIndex, kTeam, kTeamWalk };
constexpr size_t kSearchKinds = 6;
bool filters_text(Search s) { return s != Search::kNone && s != Search::kTeam; }
bool from_team(Search s) { return s == Search::kTeam || s == Search::kTeamWalk; }

// The texts the search index holds for a user (display name and every
// contact channel value) containing the pattern $n, as candidate user ids
// (SQLite: from the full-text match outwards, never from all the project's
// texts, which the planner would otherwise pick),
// plus the exact id $id the text names. The index's matching is wider than
// the filter's (Unicode case folding, trigrams across a gap): the filter is
// applied to the candidates afterwards.
std::string search_candidates(const sql::Dialect& d, const std::string& pattern,
                              const std::string& id) {
  if (d.engine == sql::Engine::kSqlite)
    return "SELECT r.user_id FROM user_search CROSS JOIN user_search_rows r ON r.id = "
           "user_search.rowid WHERE user_search MATCH " +
           pattern + " AND r.project_id = $1 UNION SELECT " + id;
  return "SELECT id AS user_id FROM users WHERE project_id = $1 AND display_name ILIKE " + pattern +
         " UNION SELECT user_id FROM contact_channels WHERE project_id = $1 AND "
         "value ILIKE " +
         pattern + " UNION SELECT " + id + "::text";
}

// GET /users (users.md §5). Parameters: $1 project, $2 the most rows, $3
// team (or NULL); with a cursor, its created_at and id; with a text, the
// text and the exact user id it names (or NULL); with the index, the
// index's pattern (search_pattern); for a walk's range, the created_at and
// id of the first user past it. The page's (created_at, id) pairs are
// found first, as an index range on users_created_id (from the cursor's
// values, looked up beforehand) or among the search's candidates; the
// whole users are read for that page only.
std::string list_sql(const sql::Dialect& d, bool desc, bool cursor, Search search) {
  int n = 4;
  auto next = [&n] { return "$" + std::to_string(n++); };
  std::string cursor_created, cursor_id, text, text_id, pattern;
  if (cursor) {
    cursor_created = next();
    cursor_id = next();
  }
  if (filters_text(search)) {
    text = next();
    text_id = next();
  }
  if (search == Search::kIndex) pattern = next();
  std::string end_created, end_id;
  if (search == Search::kWalkRange) {
    end_created = next();
    end_id = next();
  }

  std::string from = "users u";
  if (search == Search::kIndex)
    from = "(" + search_candidates(d, pattern, text_id) + ") c" + std::string(join_in_order(d)) +
           "users u ON u.project_id = $1 AND u.id = c.user_id";
  if (from_team(search))
    from = "(SELECT user_id FROM team_members WHERE project_id = $1 AND team_id = $3::text) c" +
           std::string(join_in_order(d)) + "users u ON u.project_id = $1 AND u.id = c.user_id";
  std::string where = "WHERE u.project_id = $1";
  if (filters_text(search)) {
    // A case-insensitive ASCII substring of the display name or of any
    // contact channel, or the exact user id.
    const std::string strpos(d.strpos);
    const std::string folded = d.lower_ascii(text + "::text");
    where += " AND (" + strpos + "(" + d.lower_ascii("coalesce(u.display_name, '')") + ", " +
             folded + ") > 0 OR u.id = " + text_id +
             "::text OR EXISTS (SELECT 1 FROM contact_channels x WHERE x.project_id = "
             "u.project_id AND x.user_id = u.id AND " +
             strpos + "(" + d.lower_ascii("x.value") + ", " + folded + ") > 0))";
  }
  if (!from_team(search))
    where +=
        " AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM team_members tm WHERE tm.project_id = "
        "u.project_id AND tm.team_id = $3::text AND tm.user_id = u.id))";
  if (cursor)
    where += std::string(" AND (u.created_at, u.id) ") + (desc ? "<=" : ">=") + " (" +
             cursor_created + "::bigint, " + cursor_id + "::text)";
  if (search == Search::kWalkRange)
    where += std::string(" AND (u.created_at, u.id) ") + (desc ? ">" : "<") + " (" + end_created +
             "::bigint, " + end_id + "::text)";
  const std::string order =
      desc ? " ORDER BY u.created_at DESC, u.id DESC" : " ORDER BY u.created_at, u.id";
  const std::string page =
      "(SELECT u.id, u.created_at FROM " + from + " " + where + order + " LIMIT $2::bigint) p";
  return user_select(d, page + std::string(join_in_order(d)) +
                            "users u ON u.project_id = $1 AND u.id = p.id") +
         "ORDER BY p.created_at" + (desc ? " DESC, p.id DESC" : ", p.id");
}

// The statement of each kind of list, built on first use.
const sql::Sql& list_statement(bool desc, bool cursor, Search search) {
  static const std::vector<sql::Sql> all = [] {
    std::vector<sql::Sql> out;
    for (bool d : {false, true})
      for (bool c : {false, true})
        for (size_t s = 0; s < kSearchKinds; ++s)
          out.push_back(sql::Sql::each([&](const sql::Dialect& dialect) {
            return list_sql(dialect, d, c, static_cast<Search>(s));
          }));
    return out;
  }();
  return all[(desc * 2 + cursor) * kSearchKinds + static_cast<size_t>(search)];
}

// The created_at and id of the user `$n` places after a position in page
// order (from the first user without one): where a walk's range ends.
const sql::Sql& range_end_statement(bool desc, bool from) {
  static const std::vector<sql::Sql> all = [] {
    std::vector<sql::Sql> out;
    for (bool d : {false, true})
      for (bool f : {false, true}) {
        std::string q = "SELECT created_at, id FROM users WHERE project_id = $1";
        if (f)
          q +=
              std::string(" AND (created_at, id) ") + (d ? "<=" : ">=") + " ($2::bigint, $3::text)";
        q += d ? " ORDER BY created_at DESC, id DESC" : " ORDER BY created_at, id";
        q += f ? " LIMIT 1 OFFSET $4::bigint" : " LIMIT 1 OFFSET $2::bigint";
        out.emplace_back(q);
      }
    return out;
  }();
  return all[desc * 2 + from];
}

// The candidates the index names for a text, counted up to the last
// parameter (which Search to use). SQLite counts the matches of its one
// full-text index, every project's: an upper bound of the project's that
// needs no row lookup per match (a fifth of the time at 10 000 matches),
// so a project sharing a file with larger ones may walk where the index
// would have served. PostgreSQL's indexes are on the rows, which carry the
// project: an ILIKE pattern counted in the project.
const sql::Sql kCountIndexMatches{
    "SELECT count(*) FROM (SELECT 1 FROM user_search WHERE user_search MATCH $1 LIMIT $2)"};
const sql::Sql kCountProjectCandidates{
    "SELECT count(*) FROM (SELECT 1 FROM users WHERE project_id = $1 AND display_name ILIKE $2 "
    "UNION ALL SELECT 1 FROM contact_channels WHERE project_id = $1 AND value ILIKE $2 LIMIT $3) "
    "x"};
// A team's members, counted up to $3 (whether the list starts from them).
const sql::Sql kCountTeamMembers{
    "SELECT count(*) FROM (SELECT 1 FROM team_members WHERE project_id = $1 AND team_id = $2 "
    "LIMIT $3) x"};
const sql::Sql kCursorCreatedAt{"SELECT created_at FROM users WHERE project_id = $1 AND id = $2"};

// When the index names at most this many candidates, reading and sorting
// them is cheaper than walking the page order until a page of matches is
// found (which, with more candidates, are at least this dense).
constexpr int64_t kMostIndexCandidates = 10000;

// The index's pattern for a text: SQLite's FTS5 phrase (trigrams, each
// `"` doubled), PostgreSQL's ILIKE pattern (`\`, `%` and `_` escaped).
std::string search_pattern(sql::Engine e, std::string_view text) {
  std::string out = e == sql::Engine::kSqlite ? "\"" : "%";
  for (char c : text) {
    if (e == sql::Engine::kSqlite && c == '"') out += '"';
    if (e == sql::Engine::kPostgres && (c == '\\' || c == '%' || c == '_')) out += '\\';
    out += c;
  }
  out += e == sql::Engine::kSqlite ? '"' : '%';
  return out;
}

// Characters (code points) of UTF-8 text: a trigram index looks up 3 at least.
size_t characters(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// The statements that read a whole User. They embed team_columns(), which
// lives in another file: they are built on first use, never during static
// initialisation (whose order across files is unspecified).
struct UserReads {
  sql::Sql by_id;
  // The same, locking the user row until the commit (PostgreSQL).
  sql::Sql by_id_for_update;
  sql::Sql by_auth_email;
};

const UserReads& reads() {
  static const UserReads r{
      sql::Sql::each([](const sql::Dialect& d) {
        return user_select(d) + "WHERE u.project_id = $1 AND u.id = $2";
      }),
      sql::Sql::each([](const sql::Dialect& d) {
        return user_select(d) + "WHERE u.project_id = $1 AND u.id = $2" + d.for_update("u");
      }),
      sql::Sql::each([](const sql::Dialect& d) {
        return user_select(d) +
               "WHERE u.project_id = $1 AND u.id = (SELECT user_id FROM contact_channels WHERE "
               "project_id = $1 AND type = 'email' AND value = $2 AND used_for_auth)";
      }),
  };
  return r;
}

User read_user(const sql::Rows& rows) {
  User u = kColumns.read(rows);
  const int team_at = kColumns.size();
  // The selected team counts only while the user is a member of it.
  if (!rows.is_null(team_at)) {
    u.selected_team = team_columns().read(rows, team_at);
    u.selected_team_id = u.selected_team->id;
  }
  u.oauth_providers = oauth_providers_from_json(rows.opt_text(team_at + team_columns().size()));
  return u;
}

std::optional<User> first_user(sql::Rows rows) {
  if (!rows.next()) return std::nullopt;
  return read_user(rows);
}

// Another channel of the project signs in with the address.
const sql::Sql kAuthEmailTaken{
    "SELECT 1 FROM contact_channels WHERE project_id = $1 AND type = 'email' AND value = $2 "
    "AND used_for_auth"};
// The same, except the user's own channel $4 (if it has one).
const sql::Sql kAuthEmailTakenElsewhere{
    "SELECT 1 FROM contact_channels WHERE project_id = $1 AND type = 'email' AND value = $2 "
    "AND used_for_auth AND NOT (user_id = $3 AND id IS NOT DISTINCT FROM $4::text)"};
// The user has a non-primary e-mail channel with the address.
const sql::Sql kOtherChannelHasValue{
    "SELECT 1 FROM contact_channels WHERE project_id = $1 AND user_id = $2 AND type = 'email' "
    "AND value = $3 AND NOT is_primary"};
const sql::Sql kPrimaryChannelId{
    "SELECT id FROM contact_channels WHERE project_id = $1 AND user_id = $2 AND type = 'email' "
    "AND is_primary"};
// The membership a selected team needs; on PostgreSQL it cannot be deleted
// before this transaction ends.
const sql::Sql kIsTeamMember = sql::Sql::each([](const sql::Dialect& d) {
  return "SELECT 1 FROM team_members WHERE project_id = $1 AND team_id = $2 AND user_id = $3" +
         std::string(d.for_key_share);
});

const sql::Sql kInsertUser{
    "INSERT INTO users (project_id, id, display_name, profile_image_url, client_metadata, "
    "client_read_only_metadata, server_metadata, requires_totp_mfa, totp_secret, is_anonymous, "
    "created_at, last_active_at, password_hash, otp_auth_enabled, selected_team_id, "
    "restricted_by_admin, restricted_by_admin_reason, restricted_by_admin_private_details, "
    "country_code, risk_score_bot, risk_score_free_trial_abuse) VALUES ($1, $2, $3, $4, $5, $6, "
    "$7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"};
const sql::Sql kInsertPrimaryChannel{
    "INSERT INTO contact_channels (project_id, user_id, id, type, value, is_verified, "
    "is_primary, used_for_auth, created_at) VALUES ($1, $2, $3, 'email', $4, $5, TRUE, $6, $7)"};
const sql::Sql kUpdatePrimaryChannel{
    "UPDATE contact_channels SET value = $1, is_verified = $2, used_for_auth = $3 "
    "WHERE project_id = $4 AND user_id = $5 AND id = $6"};
const sql::Sql kDeleteChannel{
    "DELETE FROM contact_channels WHERE project_id = $1 AND user_id = $2 AND id = $3"};
const sql::Sql kInsertOAuthAccount{
    "INSERT INTO oauth_accounts (project_id, provider_id, provider_account_id, user_id, email, "
    "created_at) VALUES ($1, $2, $3, $4, $5, $6)"};

const sql::Sql kSetPasswordHash{
    "UPDATE users SET password_hash = $1 WHERE project_id = $2 AND id = $3"};
const sql::Sql kSetServerMetadata{
    "UPDATE users SET server_metadata = $1 WHERE project_id = $2 AND id = $3"};
const sql::Sql kUpdateUser{
    "UPDATE users SET display_name = $1, profile_image_url = $2, client_metadata = $3, "
    "client_read_only_metadata = $4, server_metadata = $5, password_hash = $6, "
    "otp_auth_enabled = $7, totp_secret = $8, requires_totp_mfa = $9, is_anonymous = $10, "
    "selected_team_id = $11, restricted_by_admin = $12, restricted_by_admin_reason = $13, "
    "restricted_by_admin_private_details = $14, country_code = $15, risk_score_bot = $16, "
    "risk_score_free_trial_abuse = $17 WHERE project_id = $18 AND id = $19"};
const sql::Sql kDeletePasskeys{"DELETE FROM passkeys WHERE project_id = $1 AND user_id = $2"};
const sql::Sql kDeleteSessions{"DELETE FROM sessions WHERE project_id = $1 AND user_id = $2"};
const sql::Sql kDeleteUser{"DELETE FROM users WHERE project_id = $1 AND id = $2"};
const sql::Sql kTeamsOfUser = sql::Sql::each([](const sql::Dialect& d) {
  return "SELECT team_id FROM team_members WHERE project_id = $1 AND user_id = $2 "
         "ORDER BY created_at, " +
         std::string(d.insertion_order);
});

class SqlUserStore final : public UserStore {
 public:
  explicit SqlUserStore(sql::Database& db) : db_(db) {}

  CreateUserStatus create_user(const User& u, const NewUserExtras& extras) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    if (u.primary_email && u.primary_email_auth_enabled &&
        c->exists(kAuthEmailTaken, u.project_id, *u.primary_email))
      return CreateUserStatus::kEmailInUse;
    c->exec(kInsertUser, u.project_id, u.id, u.display_name, u.profile_image_url,
            dump_or_null(u.client_metadata), dump_or_null(u.client_read_only_metadata),
            dump_or_null(u.server_metadata), u.requires_totp_mfa, sql::blob(u.totp_secret),
            u.is_anonymous, u.created_at_millis, u.last_active_at_millis, u.password_hash,
            u.otp_auth_enabled, u.selected_team_id, u.restricted_by_admin,
            u.restricted_by_admin_reason, u.restricted_by_admin_private_details, u.country_code,
            u.risk_score_bot, u.risk_score_free_trial_abuse);
    // The outbox first: a later step that fails (an address or OAuth
    // account taken) rolls the events back with the user.
    write_webhook_events(*c, extras.events);
    if (u.primary_email) {
      try {
        c->exec(kInsertPrimaryChannel, u.project_id, u.id, core::random_uuid(), *u.primary_email,
                u.primary_email_verified, u.primary_email_auth_enabled, u.created_at_millis);
      } catch (const sql::ConstraintError&) {
        // Lost a race with a concurrent sign-up of the same address (the
        // partial unique index contact_channels_auth decided); the rollback
        // undoes the user row.
        return CreateUserStatus::kEmailInUse;
      }
    }
    for (const auto& o : u.oauth_providers) {
      try {
        c->exec(kInsertOAuthAccount, u.project_id, o.provider_id, o.account_id, u.id, o.email,
                u.created_at_millis);
      } catch (const sql::ConstraintError&) {
        return CreateUserStatus::kOAuthAccountInUse;  // rolls the user back too
      }
    }
    write_new_user_extras(*c, u, extras);
    if (extras.first_session && !insert_session(*c, *extras.first_session))
      throw std::runtime_error("the new user's first session could not be written");
    tx.commit();
    return CreateUserStatus::kCreated;
  }

  std::optional<User> get_user(const std::string& project_id, const std::string& id) override {
    auto c = db_.acquire();
    return first_user(c->query(reads().by_id, project_id, id));
  }

  std::optional<User> find_user_by_auth_email(const std::string& project_id,
                                              const std::string& email) override {
    auto c = db_.acquire();
    return first_user(c->query(reads().by_auth_email, project_id, email));
  }

  void set_password_hash(const std::string& project_id, const std::string& id,
                         const std::optional<std::string>& hash) override {
    auto c = db_.acquire();
    c->exec(kSetPasswordHash, hash, project_id, id);
  }

  void set_user_server_metadata(const std::string& project_id, const std::string& id,
                                const Json& server_metadata) override {
    auto c = db_.acquire();
    c->exec(kSetServerMetadata, dump_or_null(server_metadata), project_id, id);
  }

  UpdateUserStatus update_user(const std::string& project_id, const std::string& id,
                               const UserUpdate& up) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    // The user row stays locked until the commit (PostgreSQL; SQLite's
    // BEGIN IMMEDIATE serialises writers anyway): concurrent updates of the
    // same user, and contact-channel writes, which lock it too, queue here,
    // so the read-modify-write below cannot lose a change.
    auto found = first_user(c->query(reads().by_id_for_update, project_id, id));
    if (!found) return UpdateUserStatus::kNotFound;
    User u = std::move(*found);
    std::optional<std::string> channel_id;
    if (auto r = c->query(kPrimaryChannelId, project_id, id); r.next()) channel_id = r.text(0);
    if (up.selected_team_id && *up.selected_team_id &&
        !c->exists(kIsTeamMember, project_id, **up.selected_team_id, id))
      return UpdateUserStatus::kNotTeamMember;

    try {
      if (up.primary_email && !*up.primary_email) {
        if (channel_id) c->exec(kDeleteChannel, project_id, id, *channel_id);
      } else if (up.primary_email ||
                 (channel_id && (up.primary_email_verified || up.primary_email_auth_enabled))) {
        auto status = write_primary_channel(*c, u, channel_id, up);
        if (status != UpdateUserStatus::kUpdated) return status;
      }

      if (up.display_name) u.display_name = *up.display_name;
      if (up.profile_image_url) u.profile_image_url = *up.profile_image_url;
      if (up.client_metadata) u.client_metadata = *up.client_metadata;
      if (up.client_read_only_metadata) u.client_read_only_metadata = *up.client_read_only_metadata;
      if (up.server_metadata) u.server_metadata = *up.server_metadata;
      if (up.password_hash) u.password_hash = *up.password_hash;
      if (up.otp_auth_enabled) u.otp_auth_enabled = *up.otp_auth_enabled;
      if (up.totp_secret) {
        u.totp_secret = *up.totp_secret;
        u.requires_totp_mfa = up.totp_secret->has_value();
      }
      if (up.is_anonymous) u.is_anonymous = *up.is_anonymous;
      // Unchanged, the selection is written back as read: a team the user
      // has left is cleared.
      if (up.selected_team_id) u.selected_team_id = *up.selected_team_id;
      if (up.restricted_by_admin) u.restricted_by_admin = *up.restricted_by_admin;
      if (up.restricted_by_admin_reason)
        u.restricted_by_admin_reason = *up.restricted_by_admin_reason;
      if (up.restricted_by_admin_private_details)
        u.restricted_by_admin_private_details = *up.restricted_by_admin_private_details;
      if (up.country_code) u.country_code = *up.country_code;
      if (up.risk_score_bot) u.risk_score_bot = *up.risk_score_bot;
      if (up.risk_score_free_trial_abuse)
        u.risk_score_free_trial_abuse = *up.risk_score_free_trial_abuse;
      c->exec(kUpdateUser, u.display_name, u.profile_image_url, dump_or_null(u.client_metadata),
              dump_or_null(u.client_read_only_metadata), dump_or_null(u.server_metadata),
              u.password_hash, u.otp_auth_enabled, sql::blob(u.totp_secret), u.requires_totp_mfa,
              u.is_anonymous, u.selected_team_id, u.restricted_by_admin,
              u.restricted_by_admin_reason, u.restricted_by_admin_private_details, u.country_code,
              u.risk_score_bot, u.risk_score_free_trial_abuse, project_id, id);
    } catch (const sql::ConstraintError& e) {
      // The checks above run under the user's row lock (SQLite: under the
      // write lock, so it never gets here), so only a race with another
      // user's channel can: on PostgreSQL the index names the rule.
      return e.constraint() == "contact_channels_value" ? UpdateUserStatus::kContactChannelExists
                                                        : UpdateUserStatus::kEmailInUse;
    }

    if (up.delete_passkey) c->exec(kDeletePasskeys, project_id, id);
    if (up.delete_sessions) c->exec(kDeleteSessions, project_id, id);
    if (up.events) {
      auto after = first_user(c->query(reads().by_id, project_id, id));
      if (after) write_webhook_events(*c, up.events(*after));
    }
    tx.commit();
    return UpdateUserStatus::kUpdated;
  }

  bool delete_user(
      const std::string& project_id, const std::string& id,
      const std::function<WebhookEvents(const std::vector<std::string>&)>& events) override {
    auto c = db_.acquire();
    if (!events) return c->exec(kDeleteUser, project_id, id) > 0;
    sql::Transaction tx(*c);
    // Read under the user's row lock, so no membership comes or goes
    // between this list and the delete.
    if (!first_user(c->query(reads().by_id_for_update, project_id, id))) return false;
    std::vector<std::string> team_ids;
    for (auto r = c->query(kTeamsOfUser, project_id, id); r.next();) team_ids.push_back(r.text(0));
    c->exec(kDeleteUser, project_id, id);
    write_webhook_events(*c, events(team_ids));
    tx.commit();
    return true;
  }

  UserList list_users(const std::string& project_id, const ListUsersQuery& q) override {
    // limit + 1 rows; no limit means all rows, and so does a limit below -1
    // (as both engines always did: SQLite's negative LIMIT). The bound is
    // a plain number on both engines, so neither needs NULL or a negative
    // LIMIT.
    int64_t rows = std::numeric_limits<int64_t>::max();
    if (q.limit) {
      const int64_t n = std::min<int64_t>(*q.limit, rows - 1) + 1;
      if (n >= 0) rows = n;
    }
    auto c = db_.acquire();
    UserList out;
    std::optional<Position> from;
    if (q.cursor) {
      // The cursor's position, read once: the page is then a plain index
      // range. An unknown cursor gives no rows.
      auto r = c->query(kCursorCreatedAt, project_id, *q.cursor);
      if (!r.next()) return out;
      from = Position{r.int64(0), *q.cursor};
    }
    std::optional<sql::TimeLimit> limit;
    Search search = Search::kNone;
    if (q.text) {
      limit.emplace(*c, kSearchTimeLimitMillis);
      search = choose_search(*c, project_id, q);
    }
    if (q.team_id && search != Search::kIndex &&
        small_team(*c, project_id, *q.team_id, q.team_members_read_at_most))
      search = q.text ? Search::kTeamWalk : Search::kTeam;
    if (search == Search::kWalk && q.limit) return walk(*c, project_id, q, rows, from);
    read_page(*c, project_id, q, rows, search, from, std::nullopt, out);
    return out;
  }

 private:
  // A user's place in page order.
  struct Position {
    int64_t created_at;
    std::string id;
  };

  // Appends the page's users from `from` (inclusive; the start when none)
  // to `end` (exclusive; kWalkRange) to out.users.
  static void read_page(sql::Connection& c, const std::string& project_id, const ListUsersQuery& q,
                        int64_t rows, Search search, const std::optional<Position>& from,
                        const std::optional<Position>& end, UserList& out) {
    sql::Params p;
    p.add(project_id);
    p.add(rows);
    p.add(q.team_id);
    if (from) {
      p.add(from->created_at);
      p.add(from->id);
    }
    if (filters_text(search)) {
      p.add(*q.text);
      p.add(q.text_id);
    }
    if (search == Search::kIndex) p.add(search_pattern(c.engine(), *q.text));
    if (end) {
      p.add(end->created_at);
      p.add(end->id);
    }
    for (auto r = c.run(list_statement(q.desc, from.has_value(), search), std::move(p)); r.next();)
      out.users.push_back(read_user(r));
  }

  // The text filter over the page order, one range of users at a time,
  // until the page is full, the users end, or the budget is spent.
  static UserList walk(sql::Connection& c, const std::string& project_id, const ListUsersQuery& q,
                       int64_t rows, std::optional<Position> from) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(q.walk_budget_millis);
    UserList out;
    for (;;) {
      std::optional<Position> end;
      auto r = from ? c.query(range_end_statement(q.desc, true), project_id, from->created_at,
                              from->id, q.walk_range_users)
                    : c.query(range_end_statement(q.desc, false), project_id, q.walk_range_users);
      if (r.next()) end = Position{r.int64(0), r.text(1)};
      const int64_t wanted = rows - static_cast<int64_t>(out.users.size());
      read_page(c, project_id, q, wanted, end ? Search::kWalkRange : Search::kWalk, from, end, out);
      if (static_cast<int64_t>(out.users.size()) >= rows || !end) return out;
      if (std::chrono::steady_clock::now() >= deadline) {
        out.resume_at = end->id;
        return out;
      }
      from = std::move(end);
    }
  }

  // Creates or rewrites the primary e-mail channel with its final value,
  // verification and auth flags (users.md §3.2).
  static UpdateUserStatus write_primary_channel(sql::Connection& c, const User& u,
                                                const std::optional<std::string>& channel_id,
                                                const UserUpdate& up) {
    const bool exists = channel_id.has_value();
    const std::string value =
        up.primary_email ? **up.primary_email : u.primary_email.value_or(std::string());
    const bool verified = up.primary_email_verified.value_or(exists && u.primary_email_verified);
    const bool auth =
        up.primary_email_auth_enabled.value_or(exists && u.primary_email_auth_enabled);
    const bool value_changed = !exists || value != u.primary_email;
    if (auth && (value_changed || !u.primary_email_auth_enabled) &&
        c.exists(kAuthEmailTakenElsewhere, u.project_id, value, u.id, channel_id))
      return UpdateUserStatus::kEmailInUse;
    if (value_changed && c.exists(kOtherChannelHasValue, u.project_id, u.id, value))
      return UpdateUserStatus::kContactChannelExists;
    if (exists)
      c.exec(kUpdatePrimaryChannel, value, verified, auth, u.project_id, u.id, *channel_id);
    else
      c.exec(kInsertPrimaryChannel, u.project_id, u.id, core::random_uuid(), value, verified, auth,
             up.now_millis);
    return UpdateUserStatus::kUpdated;
  }

  // Through the index when it narrows the candidates enough; without a
  // limit every match is read anyway, and the index finds them fastest.
  static Search choose_search(sql::Connection& c, const std::string& project_id,
                              const ListUsersQuery& q) {
    if (characters(*q.text) < 3 || q.plan == ListUsersQuery::Plan::kWalk) return Search::kWalk;
    if (q.plan == ListUsersQuery::Plan::kIndex || !q.limit) return Search::kIndex;
    const std::string pattern = search_pattern(c.engine(), *q.text);
    auto r = c.engine() == sql::Engine::kSqlite
                 ? c.query(kCountIndexMatches, pattern, kMostIndexCandidates + 1)
                 : c.query(kCountProjectCandidates, project_id, pattern, kMostIndexCandidates + 1);
    return r.next() && r.int64(0) <= kMostIndexCandidates ? Search::kIndex : Search::kWalk;
  }

  static bool small_team(sql::Connection& c, const std::string& project_id,
                         const std::string& team_id, int64_t most) {
    auto r = c.query(kCountTeamMembers, project_id, team_id, most + 1);
    return r.next() && r.int64(0) <= most;
  }

  sql::Database& db_;
};

}  // namespace

std::vector<sql::Sql> user_list_statements() {
  std::vector<sql::Sql> out;
  for (bool desc : {false, true})
    for (bool cursor : {false, true})
      for (size_t s = 0; s < kSearchKinds; ++s)
        out.push_back(list_statement(desc, cursor, static_cast<Search>(s)));
  for (bool desc : {false, true})
    for (bool from : {false, true}) out.push_back(range_end_statement(desc, from));
  return out;
}

std::unique_ptr<UserStore> make_user_store(sql::Database& db) {
  return std::make_unique<SqlUserStore>(db);
}

}  // namespace latchkey::store::domain
