/* Misconfiguration WorkOS reports at run time; see diagnose.h. */
#include "httpd.h"
#include "http_log.h"
#include "apr_strings.h"
#include "request/diagnose.h"
#include "base/module.h"


/* The fix, in words, for an error code that means the config is wrong. */
static const char *diagnose_fix(const char *code, long http_status)
{
    if (code && (!strcmp(code, "invalid_client")
                 || !strcmp(code, "unauthorized_client"))) {
        return "WorkOS does not accept this server's client credentials: "
               "check that WorkOSAPIKey is a secret key (sk_...) of the same "
               "WorkOS environment as WorkOSClientID, and WorkOSAPIBaseURL";
    }
    if (code && ap_strcasestr(code, "redirect")) {
        return "WorkOS does not know this redirect URI: add WorkOSRedirectURI "
               "exactly as configured to the Redirects of the WorkOS "
               "dashboard (scheme, host, port and path)";
    }
    if (http_status == 401 || http_status == 403) {
        return "WorkOS refused this server's credentials: check WorkOSAPIKey "
               "(and that it belongs to WorkOSClientID's environment)";
    }
    return NULL;
}

int diagnose_refusal(request_rec *r, const char *where, const char *code,
                     long http_status)
{
    const char *fix = diagnose_fix(code, http_status);

    /* WorkOS's (or, in a callback URL, anyone's) text: bounded, escaped */
    code = code ? ap_escape_logitem(r->pool, apr_pstrndup(r->pool, code, 64))
                : NULL;
    if (fix) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(02420)
                      "%s refused (%s%s): %s", where, code ? code : "no code",
                      http_status ? apr_psprintf(r->pool, ", HTTP %ld",
                                                 http_status) : "", fix);
        return 1;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(02421)
                  "%s refused (%s%s); the user is asked to sign in again",
                  where, code ? code : "no code",
                  http_status ? apr_psprintf(r->pool, ", HTTP %ld",
                                             http_status) : "");
    return 0;
}
