/* SPDX-License-Identifier: Apache-2.0 */
/* wos-seal: seal.c on the command line, for the interop tests.
 *
 *   wos-seal seal PASSWORD [ID [TTL_MS]]     stdin: plaintext -> seal
 *   wos-seal unseal PASSWORD[:ID] ...        stdin: seal      -> plaintext
 *
 * seal: ID defaults to "1" (as WorkOS's libraries), TTL_MS to 0 (none).
 * unseal: ID defaults to "1"; the text after the last ':' is taken as the
 * id only if it is a word ([A-Za-z0-9_]+). One trailing newline of the
 * seal is ignored. On failure the status goes to stderr and the exit
 * code is 1; usage errors exit 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "codec/seal.h"

#define MAX_PASSWORDS 16

/* Reads all of stdin, up to max bytes; -1 if there is more. */
static int read_stdin(apr_pool_t *p, size_t max, char **buf, size_t *len)
{
    char *b = apr_palloc(p, max + 2);
    size_t n = fread(b, 1, max + 1, stdin);

    if (ferror(stdin) || n > max)
        return -1;
    b[n] = '\0';
    *buf = b;
    *len = n;
    return 0;
}

static long long now_ms(void)
{
    return (long long)(apr_time_now() / 1000);
}

static int fail(seal_status_t st)
{
    fprintf(stderr, "wos-seal: %s\n", seal_status_str(st));
    return 1;
}

static int usage(void)
{
    fputs("usage: wos-seal seal PASSWORD [ID [TTL_MS]]  < plaintext\n"
          "       wos-seal unseal PASSWORD[:ID] ...     < seal\n", stderr);
    return 2;
}

static int do_seal(apr_pool_t *p, int argc, char **argv)
{
    seal_password_t pw;
    long long ttl = 0;
    char *plain, *sealed, *end;
    size_t len;
    seal_status_t st;

    if (argc < 1 || argc > 3)
        return usage();
    pw.secret = argv[0];
    pw.id = argc >= 2 ? argv[1] : "1";
    if (argc == 3) {
        ttl = strtoll(argv[2], &end, 10);
        if (*argv[2] == '\0' || *end != '\0' || ttl < 0)
            return usage();
    }
    if (read_stdin(p, SEAL_MAX_LEN, &plain, &len) != 0)
        return fail(SEAL_ERR_TOO_LARGE);
    st = seal_seal(p, plain, len, &pw, now_ms(), ttl, &sealed);
    if (st != SEAL_OK)
        return fail(st);
    printf("%s\n", sealed);
    return 0;
}

/* "secret:id" -> {id, secret}; a bare secret gets id "1". */
static void parse_password(apr_pool_t *p, const char *arg, seal_password_t *pw)
{
    const char *colon = strrchr(arg, ':');

    pw->id = "1";
    pw->secret = arg;
    if (colon == NULL || colon[1] == '\0'
        || strspn(colon + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                             "0123456789_") != strlen(colon + 1))
        return;
    pw->id = colon + 1;
    pw->secret = apr_pstrmemdup(p, arg, (size_t)(colon - arg));
}

static int do_unseal(apr_pool_t *p, int argc, char **argv)
{
    seal_password_t pws[MAX_PASSWORDS];
    char *sealed, *plain;
    size_t len, plain_len;
    int i, version;
    seal_status_t st;

    if (argc < 1 || argc > MAX_PASSWORDS)
        return usage();
    for (i = 0; i < argc; i++)
        parse_password(p, argv[i], &pws[i]);
    if (read_stdin(p, SEAL_MAX_LEN + 2, &sealed, &len) != 0)
        return fail(SEAL_ERR_TOO_LARGE);
    if (len > 0 && sealed[len - 1] == '\n')
        len--;
    if (len > 0 && sealed[len - 1] == '\r')
        len--;
    st = seal_unseal(p, sealed, len, pws, argc, now_ms(), &plain, &plain_len,
                     &version);
    if (st != SEAL_OK)
        return fail(st);
    fwrite(plain, 1, plain_len, stdout);
    putchar('\n');
    return 0;
}

int main(int argc, char **argv)
{
    apr_pool_t *p;
    int rc;

    if (argc < 2)
        return usage();
    if (apr_initialize() != APR_SUCCESS
        || apr_pool_create(&p, NULL) != APR_SUCCESS)
        return 1;
    if (strcmp(argv[1], "seal") == 0)
        rc = do_seal(p, argc - 2, argv + 2);
    else if (strcmp(argv[1], "unseal") == 0)
        rc = do_unseal(p, argc - 2, argv + 2);
    else
        rc = usage();
    apr_pool_destroy(p);
    apr_terminate();
    return rc;
}
