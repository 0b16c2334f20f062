/* WorkOS API key validation; see apikey.h. Being written (issue 8). */
#include "httpd.h"
#include "apikey.h"

int apikey_looks_like_key(const char *value)
{
    const char *dot = strchr(value, '.');
    return !(dot && strchr(dot + 1, '.'));
}

apikey_rc apikey_check(request_rec *r, const wos_srv_cfg *sc,
                       const char *value, wos_identity_t **id,
                       const char **why, int *retry_after)
{
    (void)r; (void)sc; (void)value; (void)retry_after;
    *id = NULL;
    *why = "API keys are not accepted yet";
    return APIKEY_INVALID;
}
