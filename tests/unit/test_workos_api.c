/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/workos/workos_api.c: which WorkOS answers are
 * refusals, which are retryable, which end a session; the URL of every
 * endpoint, byte for byte; the label each endpoint's calls count under. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <apr_general.h>

#include "workos/workos_api.h"

static void test_status_classes(void **state)
{
    (void)state;
    assert_int_equal(api_status_of(200), API_OK);
    assert_int_equal(api_status_of(204), API_OK);
    assert_int_equal(api_status_of(400), API_REFUSED);
    assert_int_equal(api_status_of(401), API_REFUSED);
    assert_int_equal(api_status_of(403), API_REFUSED);
    /* retryable: WorkOS asks to come back later */
    assert_int_equal(api_status_of(408), API_UNAVAILABLE);
    assert_int_equal(api_status_of(429), API_UNAVAILABLE);
    assert_int_equal(api_status_of(500), API_UNAVAILABLE);
    assert_int_equal(api_status_of(502), API_UNAVAILABLE);
    assert_int_equal(api_status_of(503), API_UNAVAILABLE);
    assert_int_equal(api_status_of(0), API_UNAVAILABLE);
    assert_int_equal(api_status_of(302), API_UNAVAILABLE);
}

static void test_only_three_codes_sign_out(void **state)
{
    (void)state;
    assert_true(api_signs_out("invalid_grant"));
    assert_true(api_signs_out("mfa_enrollment"));
    assert_true(api_signs_out("sso_required"));
    assert_false(api_signs_out("organization_membership_not_found"));
    assert_false(api_signs_out("invalid_client"));
    assert_false(api_signs_out("rate_limited"));
    assert_false(api_signs_out("invalid_grant_x"));
    assert_false(api_signs_out(""));
    assert_false(api_signs_out(NULL));
}

static void test_sign_in_to_the_organisation(void **state)
{
    (void)state;
    assert_true(api_needs_signin("sso_required"));
    assert_true(api_needs_signin("mfa_enrollment"));
    assert_true(api_needs_signin("organization_authentication_methods_required"));
    assert_false(api_needs_signin("invalid_grant"));
    assert_false(api_needs_signin(NULL));
    assert_true(api_misconfigured("invalid_client", 0));
    assert_false(api_misconfigured("invalid_grant", 0));
}

static apr_pool_t *pool;

#define BASE "https://api.workos.com"

static void test_fixed_urls(void **state)
{
    (void)state;
    assert_string_equal(workos_api_authenticate_url(pool, BASE),
                        BASE "/user_management/authenticate");
    assert_string_equal(workos_api_apikey_validate_url(pool, BASE),
                        BASE "/api_keys/validations");
    assert_string_equal(workos_api_session_revoke_url(pool, BASE),
                        BASE "/user_management/sessions/revoke");
    assert_string_equal(workos_api_jwks_url(pool, BASE, "client_01ABC"),
                        BASE "/sso/jwks/client_01ABC");
    assert_string_equal(workos_api_issuer(pool, BASE, "client_01ABC"),
                        BASE "/user_management/client_01ABC");
}

/* The base is taken as it is: a path in it is kept, and a trailing slash
 * is WorkOSAPIBaseURL's to drop (the directive does), not the builders'. */
static void test_base_as_given(void **state)
{
    (void)state;
    assert_string_equal(workos_api_authenticate_url(pool,
                                                    "http://127.0.0.1:8080"),
                        "http://127.0.0.1:8080/user_management/authenticate");
    assert_string_equal(workos_api_jwks_url(pool, "http://h/prefix", "c"),
                        "http://h/prefix/sso/jwks/c");
    assert_string_equal(workos_api_apikey_validate_url(pool, "http://h/"),
                        "http://h//api_keys/validations");
}

static void test_authorize_url(void **state)
{
    const char *hints[FLOW_HINT_COUNT] = { NULL };

    (void)state;
    assert_string_equal(
        workos_api_authorize_url(pool, BASE, "client_01ABC",
                                 "https://app.example.com/callback?x=1",
                                 "CHALLENGE-_x", "st ate+/=", NULL),
        BASE "/user_management/authorize?client_id=client_01ABC"
        "&redirect_uri=https%3a%2f%2fapp.example.com%2fcallback%3fx%3d1"
        "&response_type=code&provider=authkit"
        "&code_challenge=CHALLENGE-_x&code_challenge_method=S256"
        "&state=st+ate%2b%2f%3d");
    /* hints in flow_hint_t order, escaped */
    hints[FLOW_HINT_ORG] = "org_01";
    hints[FLOW_HINT_LOGIN] = "jo+1@example.com";
    hints[FLOW_HINT_SCREEN] = "sign-up";
    assert_string_equal(
        workos_api_authorize_url(pool, BASE, "c", "https://a/cb", "ch", "s",
                                 hints),
        BASE "/user_management/authorize?client_id=c"
        "&redirect_uri=https%3a%2f%2fa%2fcb&response_type=code"
        "&provider=authkit&code_challenge=ch&code_challenge_method=S256"
        "&state=s&screen_hint=sign-up&login_hint=jo%2b1%40example.com"
        "&organization_id=org_01");
    /* a connection instead of AuthKit: WorkOS takes one or the other */
    memset(hints, 0, sizeof(hints));
    hints[FLOW_HINT_CONNECTION] = "conn_01";
    assert_string_equal(
        workos_api_authorize_url(pool, BASE, "c", "https://a/cb", "ch", "s",
                                 hints),
        BASE "/user_management/authorize?client_id=c"
        "&redirect_uri=https%3a%2f%2fa%2fcb&response_type=code"
        "&code_challenge=ch&code_challenge_method=S256&state=s"
        "&connection_id=conn_01");
}

static void test_logout_url(void **state)
{
    (void)state;
    assert_string_equal(workos_api_logout_url(pool, BASE, "session_01", NULL),
                        BASE "/user_management/sessions/logout"
                        "?session_id=session_01");
    assert_string_equal(
        workos_api_logout_url(pool, BASE, "s 1&x",
                              "https://app.example.com/bye?a=b c"),
        BASE "/user_management/sessions/logout?session_id=s+1%26x"
        "&return_to=https%3a%2f%2fapp.example.com%2fbye%3fa%3db+c");
}

static void test_sessions_url(void **state)
{
    (void)state;
    assert_string_equal(workos_api_sessions_url(pool, BASE, "user_01", NULL),
                        BASE "/user_management/users/user_01/sessions"
                        "?limit=100");
    /* the id is a path segment, the cursor a query value */
    assert_string_equal(workos_api_sessions_url(pool, BASE, "u/1 ?x",
                                                "a+b=/"),
                        BASE "/user_management/users/u%2f1%20%3fx/sessions"
                        "?limit=100&after=a%2bb%3d%2f");
}

static void test_memberships_url(void **state)
{
    (void)state;
    /* the user id is a query value */
    assert_string_equal(workos_api_memberships_url(pool, BASE, "u&1 x"),
                        BASE "/user_management/organization_memberships"
                        "?user_id=u%261+x&statuses=active"
                        "&limit=100");
}

/* definition changes (model/defchange.h) and, with
 * organization_membership.created, the events that drop workos-access
 * decisions */
#define ACCESS_EVENTS                                                     \
    ",organization_membership.created,role.created,role.updated"          \
    ",role.deleted,organization_role.created,organization_role.updated"   \
    ",organization_role.deleted,permission.created,permission.updated"    \
    ",permission.deleted,flag.created,flag.updated,flag.deleted"          \
    ",flag.rule_updated"

static void test_events_url(void **state)
{
    (void)state;
    assert_string_equal(
        workos_api_events_url(pool, BASE, "after event_01", 10, 0),
        BASE "/events?events=session.revoked,user.deleted"
        ",organization_membership.deleted"
        ",organization_membership.updated,api_key.revoked"
        ACCESS_EVENTS
        "&limit=10&order=asc&after=event_01");
    /* a start time: ':' escaped */
    assert_string_equal(
        workos_api_events_url(pool, "http://h",
                              "since 2026-11-23T10:20:30.007Z", 100,
                              apr_time_from_sec(1795429231)),
        "http://h/events?events=session.revoked,user.deleted"
        ",organization_membership.deleted"
        ",organization_membership.updated,api_key.revoked"
        ACCESS_EVENTS
        "&limit=100&order=asc&range_start=2026-11-23T10%3a20%3a30.007Z");
}

static void test_labels(void **state)
{
    static const char *const want[WORKOS_EP_COUNT] = {
        [WORKOS_EP_AUTHENTICATE] = "authenticate",
        [WORKOS_EP_JWKS] = "jwks",
        [WORKOS_EP_APIKEY_VALIDATE] = "api_keys",
        [WORKOS_EP_SESSIONS_LIST] = "sessions",
        [WORKOS_EP_SESSION_REVOKE] = "sessions",
        [WORKOS_EP_EVENTS] = "events",
        [WORKOS_EP_MEMBERSHIPS_LIST] = "other",
        [WORKOS_EP_AUTHZ_CHECK] = "other",
        [WORKOS_EP_AUTHORIZE] = "other",
        [WORKOS_EP_LOGOUT] = "sessions",
    };
    static const char *const order[WORKOS_LABEL_COUNT] = {
        "authenticate", "jwks", "api_keys", "sessions", "events", "other"
    };
    int i;

    (void)state;
    for (i = 0; i < WORKOS_EP_COUNT; i++) {
        assert_string_equal(workos_api_label_name(
                                workos_api_ep_label((workos_ep_t)i)),
                            want[i]);
    }
    /* the order of workos_api_calls_total's rows */
    for (i = 0; i < WORKOS_LABEL_COUNT; i++) {
        assert_string_equal(workos_api_label_name((workos_label_t)i),
                            order[i]);
    }
    assert_int_equal(workos_api_ep_label(WORKOS_EP_COUNT),
                     WORKOS_LABEL_OTHER);
    assert_string_equal(workos_api_label_name(WORKOS_LABEL_COUNT), "other");
}

static workos_ep_t seen_ep;
static long seen_status;
static int seen;

static void observe(workos_ep_t ep, long status)
{
    seen_ep = ep;
    seen_status = status;
    seen++;
}

/* Every call is reported with the endpoint it was made for. */
static void test_observer_gets_the_endpoint(void **state)
{
    http_net_t net = { 2, NULL, NULL, NULL };
    http_response_t res;

    (void)state;
    workos_api_set_observer(observe);
    assert_int_equal(workos_api_send(pool, WORKOS_EP_EVENTS, "GET",
                                     "http://127.0.0.1:1/events?x", NULL,
                                     NULL, 0, NULL, &net, 1024, &res), -1);
    workos_api_set_observer(NULL);
    assert_int_equal(seen, 1);
    assert_int_equal(seen_ep, WORKOS_EP_EVENTS);
    assert_int_equal(seen_status, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_classes),
        cmocka_unit_test(test_only_three_codes_sign_out),
        cmocka_unit_test(test_sign_in_to_the_organisation),
        cmocka_unit_test(test_fixed_urls),
        cmocka_unit_test(test_base_as_given),
        cmocka_unit_test(test_authorize_url),
        cmocka_unit_test(test_logout_url),
        cmocka_unit_test(test_sessions_url),
        cmocka_unit_test(test_events_url),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_memberships_url),
        cmocka_unit_test(test_observer_gets_the_endpoint),
    };
    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&pool, NULL);
    http_global_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
