/* SPDX-License-Identifier: Apache-2.0 */
/* WorkOS error codes and what they mean here; see workos_errors.h. */
#include <string.h>
#include "workos/workos_errors.h"

#define WORKOS_ERRORS_FIX_CLIENT \
    "WorkOS does not accept this server's client credentials: check that " \
    "WorkOSAPIKey is a secret key (sk_...) of the same WorkOS environment " \
    "as WorkOSClientID, and WorkOSAPIBaseURL"
#define WORKOS_ERRORS_FIX_REDIRECT \
    "WorkOS does not know this redirect URI: add WorkOSRedirectURI " \
    "exactly as configured to the Redirects of the WorkOS dashboard " \
    "(scheme, host, port and path)"
#define WORKOS_ERRORS_FIX_REFUSED \
    "WorkOS refused this server's credentials: check WorkOSAPIKey (and " \
    "that it belongs to WorkOSClientID's environment)"

static const struct {
    const char *code;
    unsigned what;
    const char *fix;    /* WORKOS_ERRORS_MISCONFIG only */
} workos_errors_table[] = {
    /* OAuth's answers about the client: a wrong WorkOSAPIKey or
     * WorkOSClientID, or one of another environment */
    { "invalid_client", WORKOS_ERRORS_MISCONFIG, WORKOS_ERRORS_FIX_CLIENT },
    { "unauthorized_client", WORKOS_ERRORS_MISCONFIG,
      WORKOS_ERRORS_FIX_CLIENT },
    /* a redirect URI missing from the dashboard */
    { "invalid_redirect_uri", WORKOS_ERRORS_MISCONFIG,
      WORKOS_ERRORS_FIX_REDIRECT },
    { "redirect_uri_mismatch", WORKOS_ERRORS_MISCONFIG,
      WORKOS_ERRORS_FIX_REDIRECT },
    /* the user's: an expired or used code or refresh token */
    { "invalid_grant", WORKOS_ERRORS_SIGNS_OUT, NULL },
    /* the organisation wants more than this session has */
    { "sso_required", WORKOS_ERRORS_SIGNS_OUT | WORKOS_ERRORS_ORG_SIGNIN,
      NULL },
    { "mfa_enrollment", WORKOS_ERRORS_SIGNS_OUT | WORKOS_ERRORS_ORG_SIGNIN,
      NULL },
    { "organization_authentication_methods_required",
      WORKOS_ERRORS_ORG_SIGNIN, NULL },
    /* the user's too, whatever the HTTP status: never the server's
     * credentials */
    { "access_denied", 0, NULL },
    { "organization_membership_not_found", 0, NULL },
    { "email_verification_required", 0, NULL },
    { "organization_selection_required", 0, NULL },
    { "mfa_challenge", 0, NULL },
};

#define WORKOS_ERRORS_ROWS \
    (sizeof(workos_errors_table) / sizeof(workos_errors_table[0]))

/* The row of code, or -1. */
static int workos_errors_row(const char *code)
{
    size_t i;

    for (i = 0; code && i < WORKOS_ERRORS_ROWS; i++) {
        if (!strcmp(code, workos_errors_table[i].code)) {
            return (int)i;
        }
    }
    return -1;
}

int workos_errors_is(const char *code, workos_errors_what_t what)
{
    int i = workos_errors_row(code);

    return i >= 0 && (workos_errors_table[i].what & (unsigned)what) != 0;
}

const char *workos_errors_fix(const char *code, long http_status)
{
    int i = workos_errors_row(code);

    if (i >= 0) {
        return workos_errors_table[i].fix;
    }
    return http_status == 401 || http_status == 403
           ? WORKOS_ERRORS_FIX_REFUSED : NULL;
}
