/* What the backend sees: REMOTE_USER, the WORKOS_* variables and, when
 * asked, X-WorkOS-* request headers. */
#ifndef WOS_ENV_H
#define WOS_ENV_H

#include "httpd.h"
#include "identity.h"

/* Removes every incoming X-WorkOS-* and X_WorkOS_* header (any case), so
 * none can be forged; run on every request of a configured server. */
void env_strip_forged(request_rec *r);

/* Sets the WORKOS_* variables, and the headers when pass_headers. */
void env_publish(request_rec *r, const wos_identity_t *id, int pass_headers);

#endif
