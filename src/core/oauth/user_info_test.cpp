// Each provider's user-info mapping against sample answers written from the
// field names in the provider's API documentation.
#include "core/oauth/user_info.hpp"

#include <gtest/gtest.h>

namespace latchkey::core::oauth {
namespace {

Json j(const char* text) { return Json::parse(text); }

TEST(UserInfoMapping, Google) {
  auto u = map_google(j(R"({"sub": "110169484474386276334", "name": "Jane Doe",
    "given_name": "Jane", "family_name": "Doe",
    "picture": "https://lh3.googleusercontent.com/a/photo.jpg",
    "email": "jane.doe@gmail.com", "email_verified": true, "locale": "en"})"));
  EXPECT_EQ(u.account_id, "110169484474386276334");
  EXPECT_EQ(u.email, "jane.doe@gmail.com");
  EXPECT_TRUE(u.email_verified);
  EXPECT_EQ(u.display_name, "Jane Doe");
  EXPECT_EQ(u.profile_image_url, "https://lh3.googleusercontent.com/a/photo.jpg");
}

TEST(UserInfoMapping, GoogleUnverifiedAddress) {
  auto u = map_google(j(R"({"sub": "1", "email": "x@example.com", "email_verified": false})"));
  EXPECT_FALSE(u.email_verified);
  EXPECT_FALSE(u.display_name.has_value());
}

TEST(UserInfoMapping, MockServerSubjectIsAVerifiedEmail) {
  // Stack's mock server answers only sub and email, both the login.
  auto u = map_mock(j(R"({"sub": "jane@example.com", "email": "jane@example.com"})"));
  EXPECT_EQ(u.account_id, "jane@example.com");
  EXPECT_EQ(u.email, "jane@example.com");
  EXPECT_TRUE(u.email_verified);
  EXPECT_FALSE(u.display_name.has_value());
  auto odd = map_mock(j(R"({"sub": "not an address", "name": "N"})"));
  EXPECT_EQ(odd.account_id, "not an address");
  EXPECT_FALSE(odd.email.has_value());
  EXPECT_FALSE(odd.email_verified);
  EXPECT_EQ(odd.display_name, "N");
}

TEST(UserInfoMapping, GitHubTakesThePrimaryAddressFromEmails) {
  Json user = j(R"({"login": "octocat", "id": 1, "node_id": "MDQ6VXNlcjE=",
    "avatar_url": "https://github.com/images/error/octocat_happy.gif",
    "name": "monalisa octocat", "email": "public@github.com", "type": "User"})");
  Json emails = j(R"([
    {"email": "other@example.com", "verified": false, "primary": false, "visibility": null},
    {"email": "octocat@github.com", "verified": true, "primary": true, "visibility": "public"}])");
  auto u = map_github(user, emails);
  EXPECT_EQ(u.account_id, "1");
  EXPECT_EQ(u.email, "octocat@github.com");
  EXPECT_TRUE(u.email_verified);
  EXPECT_EQ(u.display_name, "monalisa octocat");
  EXPECT_EQ(u.profile_image_url, "https://github.com/images/error/octocat_happy.gif");
}

TEST(UserInfoMapping, GitHubHidesUnverifiedPrimaryAndFallsBack) {
  Json user = j(R"({"login": "octocat", "id": 583231, "name": null, "email": null,
    "avatar_url": "https://avatars.githubusercontent.com/u/583231"})");
  auto unverified =
      map_github(user, j(R"([{"email": "octo@example.com", "verified": false, "primary": true}])"));
  EXPECT_EQ(unverified.email, "octo@example.com");
  EXPECT_FALSE(unverified.email_verified);
  EXPECT_EQ(unverified.display_name, "octocat");  // login when there is no name
  // /user/emails refused (no permission): the public address, never verified.
  Json with_public = user;
  with_public["email"] = "public@example.com";
  auto fallback = map_github(with_public, Json());
  EXPECT_EQ(fallback.email, "public@example.com");
  EXPECT_FALSE(fallback.email_verified);
  EXPECT_FALSE(map_github(user, Json()).email.has_value());
}

TEST(UserInfoMapping, Facebook) {
  auto u = map_facebook(j(R"({"id": "10158012345678901", "name": "Jane Doe",
    "email": "jane@example.com", "picture": {"data": {"height": 50, "is_silhouette": false,
    "url": "https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=1&height=50",
    "width": 50}}})"));
  EXPECT_EQ(u.account_id, "10158012345678901");
  EXPECT_EQ(u.email, "jane@example.com");
  EXPECT_FALSE(u.email_verified);  // Facebook never vouches for the address
  EXPECT_EQ(u.profile_image_url,
            "https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=1&height=50");
}

TEST(UserInfoMapping, FacebookWithoutEmailIsAnError) {
  try {
    map_facebook(j(R"({"id": "1", "name": "No Mail"})"));
    FAIL() << "expected ProviderError";
  } catch (const ProviderError& e) {
    EXPECT_EQ(e.failure(), ProviderFailure::kMissingEmail);
  }
}

TEST(UserInfoMapping, Microsoft) {
  auto u = map_microsoft(j(R"({"@odata.context":
    "https://graph.microsoft.com/v1.0/$metadata#users/$entity", "businessPhones": [],
    "displayName": "Adele Vance", "givenName": "Adele", "jobTitle": null,
    "mail": "AdeleV@contoso.com", "surname": "Vance",
    "userPrincipalName": "AdeleV@contoso.onmicrosoft.com",
    "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd"})"));
  EXPECT_EQ(u.account_id, "87d349ed-44d7-43e1-9a83-5f2406dee5bd");
  EXPECT_EQ(u.email, "AdeleV@contoso.com");
  EXPECT_FALSE(u.email_verified);
  EXPECT_EQ(u.display_name, "Adele Vance");
  EXPECT_FALSE(u.profile_image_url.has_value());
  // Personal accounts often have no `mail`: the principal name stands in.
  auto upn = map_microsoft(j(R"({"id": "x1", "mail": null,
    "userPrincipalName": "someone@outlook.com", "displayName": "S"})"));
  EXPECT_EQ(upn.email, "someone@outlook.com");
}

TEST(UserInfoMapping, Spotify) {
  auto u = map_spotify(j(R"({"country": "SE", "display_name": "JM Wizzler",
    "email": "email@example.com", "external_urls": {"spotify": "https://open.spotify.com/user/wizzler"},
    "followers": {"href": null, "total": 3829}, "href": "https://api.spotify.com/v1/users/wizzler",
    "id": "wizzler", "images": [{"height": null,
    "url": "https://i.scdn.co/image/ab67616d00001e02ff9ca10b55ce82ae553c8228", "width": null}],
    "product": "premium", "type": "user", "uri": "spotify:user:wizzler"})"));
  EXPECT_EQ(u.account_id, "wizzler");
  EXPECT_EQ(u.email, "email@example.com");
  EXPECT_FALSE(u.email_verified);
  EXPECT_EQ(u.display_name, "JM Wizzler");
  EXPECT_EQ(u.profile_image_url,
            "https://i.scdn.co/image/ab67616d00001e02ff9ca10b55ce82ae553c8228");
  EXPECT_FALSE(map_spotify(j(R"({"id": "a", "images": []})")).profile_image_url.has_value());
}

TEST(UserInfoMapping, Discord) {
  auto u = map_discord(j(R"({"id": "80351110224678912", "username": "nelly",
    "discriminator": "0", "global_name": "Nelly", "avatar": "8342729096ea3675442027381ff50dfe",
    "verified": true, "email": "nelly@discord.com", "flags": 64, "premium_type": 1})"));
  EXPECT_EQ(u.account_id, "80351110224678912");
  EXPECT_EQ(u.email, "nelly@discord.com");
  EXPECT_TRUE(u.email_verified);
  EXPECT_EQ(u.display_name, "Nelly");
  EXPECT_EQ(u.profile_image_url,
            "https://cdn.discordapp.com/avatars/80351110224678912/"
            "8342729096ea3675442027381ff50dfe.png");
  auto animated = map_discord(j(R"({"id": "1", "username": "anim", "global_name": null,
    "avatar": "a_1269e74af4df7417b13759eae50c83dc", "verified": false, "email": "a@b.co"})"));
  EXPECT_EQ(animated.display_name, "anim");
  EXPECT_FALSE(animated.email_verified);
  EXPECT_EQ(animated.profile_image_url,
            "https://cdn.discordapp.com/avatars/1/a_1269e74af4df7417b13759eae50c83dc.gif");
}

TEST(UserInfoMapping, GitLabVerifiedOnlyWhenConfirmed) {
  Json user = j(R"({"id": 1, "username": "john_smith", "email": "john@example.com",
    "name": "John Smith", "state": "active",
    "avatar_url": "https://gitlab.example.com/uploads/user/avatar/1/index.jpg",
    "web_url": "https://gitlab.example.com/john_smith", "created_at": "2012-05-23T08:00:58Z"})");
  auto confirmed = map_gitlab(user, j(R"([
    {"id": 1, "email": "email@example.com", "confirmed_at": "2021-03-26T19:07:56.248Z"},
    {"id": 3, "email": "john@example.com", "confirmed_at": "2021-03-26T19:07:56.248Z"}])"));
  EXPECT_EQ(confirmed.account_id, "1");
  EXPECT_EQ(confirmed.email, "john@example.com");
  EXPECT_TRUE(confirmed.email_verified);
  EXPECT_EQ(confirmed.display_name, "John Smith");
  auto unconfirmed =
      map_gitlab(user, j(R"([{"id": 3, "email": "john@example.com", "confirmed_at": null}])"));
  EXPECT_FALSE(unconfirmed.email_verified);
  EXPECT_FALSE(map_gitlab(user, Json()).email_verified);
}

TEST(UserInfoMapping, Bitbucket) {
  Json user = j(R"({"account_id": "557058:c0b72ad0-1cb5-4018-9cdc-0cde8492c443",
    "display_name": "Emma", "nickname": "emma", "uuid": "{d301aafa-d676-4ee0-88be-962be7417567}",
    "links": {"avatar": {"href": "https://avatar-management.example.net/initials/E-3.png"}}})");
  Json emails = j(R"({"pagelen": 10, "page": 1, "size": 2, "values": [
    {"is_primary": false, "is_confirmed": true, "type": "email", "email": "old@example.com"},
    {"is_primary": true, "is_confirmed": false, "type": "email", "email": "emma@example.com"}]})");
  auto u = map_bitbucket(user, emails);
  EXPECT_EQ(u.account_id, "557058:c0b72ad0-1cb5-4018-9cdc-0cde8492c443");
  EXPECT_EQ(u.email, "emma@example.com");
  EXPECT_FALSE(u.email_verified);
  EXPECT_EQ(u.display_name, "Emma");
  EXPECT_EQ(u.profile_image_url, "https://avatar-management.example.net/initials/E-3.png");
}

TEST(UserInfoMapping, LinkedIn) {
  auto u = map_linkedin(j(R"({"sub": "782bbtaQ", "name": "John Doe", "given_name": "John",
    "family_name": "Doe", "picture": "https://media.licdn-ei.com/dms/image/C5F03AQHqK8v7tB1HCQ/",
    "locale": "en-US", "email": "doe@email.com", "email_verified": true})"));
  EXPECT_EQ(u.account_id, "782bbtaQ");
  EXPECT_EQ(u.email, "doe@email.com");
  EXPECT_TRUE(u.email_verified);
  EXPECT_EQ(u.display_name, "John Doe");
}

TEST(UserInfoMapping, AppleFromIdTokenAndFirstSignInName) {
  Json claims = j(R"({"iss": "https://appleid.apple.com", "aud": "com.example.web",
    "exp": 1700003600, "iat": 1700000000, "sub": "001234.abcdef0123456789abcdef0123456789.1234",
    "email": "abc123@privaterelay.appleid.com", "email_verified": "true",
    "is_private_email": "true", "auth_time": 1700000000, "nonce_supported": true})");
  auto u = map_apple(claims, j(R"({"name": {"firstName": "Jane", "lastName": "Appleseed"},
    "email": "abc123@privaterelay.appleid.com"})"));
  EXPECT_EQ(u.account_id, "001234.abcdef0123456789abcdef0123456789.1234");
  EXPECT_EQ(u.email, "abc123@privaterelay.appleid.com");
  EXPECT_TRUE(u.email_verified);  // "true" as a string
  EXPECT_EQ(u.display_name, "Jane Appleseed");
  EXPECT_FALSE(u.profile_image_url.has_value());
  auto later = map_apple(claims, Json());  // later sign-ins carry no name
  EXPECT_FALSE(later.display_name.has_value());
}

TEST(UserInfoMapping, XNeverHasAnEmail) {
  auto u = map_x(j(R"({"data": {"id": "2244994945", "name": "X Dev",
    "username": "XDevelopers",
    "profile_image_url": "https://pbs.twimg.com/profile_images/1/abc_normal.jpg"}})"));
  EXPECT_EQ(u.account_id, "2244994945");
  EXPECT_FALSE(u.email.has_value());
  EXPECT_FALSE(u.email_verified);
  EXPECT_EQ(u.display_name, "X Dev");
  EXPECT_EQ(u.profile_image_url, "https://pbs.twimg.com/profile_images/1/abc_normal.jpg");
}

TEST(UserInfoMapping, Twitch) {
  auto u = map_twitch(j(R"({"data": [{"id": "141981764", "login": "twitchdev",
    "display_name": "TwitchDev", "type": "", "broadcaster_type": "partner",
    "description": "Supporting third-party developers",
    "profile_image_url": "https://static-cdn.jtvnw.net/jtv_user_pictures/8a6381c7-profile_image-300x300.png",
    "view_count": 5980557, "email": "not-real@email.com", "created_at": "2016-12-14T20:32:28Z"}]})"));
  EXPECT_EQ(u.account_id, "141981764");
  EXPECT_EQ(u.email, "not-real@email.com");
  EXPECT_TRUE(u.email_verified);
  EXPECT_EQ(u.display_name, "TwitchDev");
  EXPECT_THROW(map_twitch(j(R"({"data": []})")), ProviderError);
}

TEST(UserInfoMapping, GenericOpenIdClaims) {
  auto u = map_openid_claims(j(R"({"sub": "248289761001", "preferred_username": "j.doe",
    "given_name": "Jane", "family_name": "Doe", "email": "janedoe@example.com",
    "email_verified": true, "picture": "http://example.com/janedoe/me.jpg"})"));
  EXPECT_EQ(u.account_id, "248289761001");
  EXPECT_EQ(u.display_name, "Jane Doe");  // given + family before the user name
  EXPECT_TRUE(u.email_verified);
  EXPECT_EQ(map_openid_claims(j(R"({"sub": "1", "preferred_username": "j.doe"})")).display_name,
            "j.doe");
}

TEST(UserInfoMapping, BadValuesAreDropped) {
  // No account id at all is a provider failure.
  EXPECT_THROW(map_google(j(R"({"email": "x@example.com"})")), ProviderError);
  EXPECT_THROW(map_github(j(R"({"id": ""})"), Json()), ProviderError);
  // An address without a domain, or a picture that is not a web URL, is ignored.
  auto u = map_openid_claims(j(R"J({"sub": "1", "email": "not-an-address", "email_verified": true,
    "picture": "javascript:alert(1)"})J"));
  EXPECT_FALSE(u.email.has_value());
  EXPECT_FALSE(u.email_verified);
  EXPECT_FALSE(u.profile_image_url.has_value());
}

}  // namespace
}  // namespace latchkey::core::oauth
