/* SPDX-License-Identifier: Apache-2.0 */
/* Misconfiguration WorkOS reports at run time; see diagnose.h. */
#include "httpd.h"
#include "http_log.h"
#include "apr_strings.h"
#include "request/diagnose.h"
#include "workos/workos_errors.h"
#include "base/module.h"

int diagnose_refusal(request_rec *r, const char *where, const char *code,
                     long http_status)
{
    /* the fix, in words, when the code says the config is wrong */
    const char *fix = workos_errors_fix(code, http_status);

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
