#ifndef CMICROHTTPD_SHIM_H
#define CMICROHTTPD_SHIM_H
// Why this file exists: MHD_start_daemon, MHD_get_daemon_info and MHD_get_connection_info are
// C-variadic, which Swift does not import at all. Each wrapper below fixes the variadic tail.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <microhttpd.h>

/// Starts a daemon bound to `host` (an IPv4 or IPv6 literal; NULL or "" for every IPv4 address).
/// MHD binds inside MHD_start_daemon, so the sockaddr may live on this stack frame.
/// Returns NULL when the host is not a literal address or MHD cannot start (it logs why).
static inline struct MHD_Daemon *
cmhd_start_daemon(unsigned int flags, const char *host, uint16_t port, MHD_AccessHandlerCallback handler,
                  void *handler_cls, const struct MHD_OptionItem *options) {
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
    memset(&v4, 0, sizeof v4);
    memset(&v6, 0, sizeof v6);
    const struct sockaddr *addr = NULL;
    if (host != NULL && host[0] != '\0') {
        if (inet_pton(AF_INET, host, &v4.sin_addr) == 1) {
            v4.sin_family = AF_INET;
            v4.sin_port = htons(port);
            addr = (const struct sockaddr *)&v4;
        } else if (inet_pton(AF_INET6, host, &v6.sin6_addr) == 1) {
            v6.sin6_family = AF_INET6;
            v6.sin6_port = htons(port);
            addr = (const struct sockaddr *)&v6;
            flags |= MHD_USE_IPv6;
        } else {
            return NULL;
        }
    }
    if (addr != NULL) {
        return MHD_start_daemon(flags, port, NULL, NULL, handler, handler_cls,
                                MHD_OPTION_SOCK_ADDR, addr,
                                MHD_OPTION_ARRAY, options, MHD_OPTION_END);
    }
    return MHD_start_daemon(flags, port, NULL, NULL, handler, handler_cls,
                            MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

/// The port the daemon really bound (useful with port 0).
static inline uint16_t cmhd_bound_port(struct MHD_Daemon *d) {
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    return i ? i->port : 0;
}

/// 1 when the peer of `c` is a loopback address (127.0.0.0/8, ::1, or ::ffff:127.x.y.z).
static inline int cmhd_client_is_loopback(struct MHD_Connection *c) {
    const union MHD_ConnectionInfo *i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (i == NULL || i->client_addr == NULL) return 0;
    const struct sockaddr *sa = i->client_addr;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr)) return 1;
        if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) return a->sin6_addr.s6_addr[12] == 127;
    }
    return 0;
}

/// MHD_OPTION_UNESCAPE_CALLBACK that leaves every %XX escape in place (MHD has already turned `+` into a
/// space in query arguments). MHD hands the access handler the path as a C string, so decoding `%00` there
/// would cut `/api/v1/tasks/a%00b` to `/api/v1/tasks/a`; Swift decodes the raw text itself and refuses
/// control characters instead.
static size_t cmhd_keep_escapes(void *cls, struct MHD_Connection *c, char *s) {
    (void)cls;
    (void)c;
    return strlen(s);
}

/// `cmhd_keep_escapes` as the integer MHD_OptionItem.value carries for two-pointer options.
static inline intptr_t cmhd_keep_escapes_callback(void) { return (intptr_t)&cmhd_keep_escapes; }

/// MHD_set_connection_option is variadic; this sets the inactivity timeout of one connection.
/// Must run on the thread that serves the connection (an MHD callback).
static inline void cmhd_set_connection_timeout(struct MHD_Connection *c, unsigned int seconds) {
    MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, seconds);
}

/// MHD_OPTION_NOTIFY_CONNECTION: a new connection starts with the (shorter) header timeout carried in
/// `cls`, so a client that connects and then sends nothing, or a header a byte at a time, is dropped
/// sooner than an idle keep-alive connection. The access handler restores the normal timeout once the
/// header is complete.
static void cmhd_notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                                   enum MHD_ConnectionNotificationCode code) {
    (void)socket_context;
    unsigned int seconds = (unsigned int)(uintptr_t)cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED && seconds > 0) cmhd_set_connection_timeout(c, seconds);
}

static inline intptr_t cmhd_notify_connection_callback(void) { return (intptr_t)&cmhd_notify_connection; }

/// Growable buffer of length-prefixed pairs; filled by cmhd_collect_values.
struct cmhd_kv_buffer { char *data; size_t len; size_t cap; int failed; };

static int cmhd_kv_reserve(struct cmhd_kv_buffer *b, size_t more) {
    if (b->len + more <= b->cap) return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (b->len + more > cap) cap *= 2;
    char *grown = (char *)realloc(b->data, cap);
    if (grown == NULL) { b->failed = 1; return 0; }
    b->data = grown;
    b->cap = cap;
    return 1;
}

static enum MHD_Result cmhd_kv_append(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                                      const char *value, size_t value_size) {
    (void)kind;
    struct cmhd_kv_buffer *b = (struct cmhd_kv_buffer *)cls;
    if (value == NULL) value_size = 0;
    size_t need = 2 * sizeof(size_t) + key_size + value_size;
    if (!cmhd_kv_reserve(b, need)) return MHD_NO;
    memcpy(b->data + b->len, &key_size, sizeof(size_t));
    memcpy(b->data + b->len + sizeof(size_t), key, key_size);
    memcpy(b->data + b->len + sizeof(size_t) + key_size, &value_size, sizeof(size_t));
    if (value_size > 0) memcpy(b->data + b->len + 2 * sizeof(size_t) + key_size, value, value_size);
    b->len += need;
    return MHD_YES;
}

/// Copies every header (or query argument) of a request into one malloc'd buffer of
/// [size_t key length][key bytes][size_t value length][value bytes] records, so Swift reads them
/// without a C callback of its own, and a NUL inside a value cannot cut it short.
/// The caller frees `*out` with free(). Returns the byte length, or SIZE_MAX (and no buffer) when memory
/// ran out: a request must not be handled with some of its headers silently missing.
static inline size_t cmhd_collect_values(struct MHD_Connection *c, enum MHD_ValueKind kind, char **out) {
    struct cmhd_kv_buffer b = { NULL, 0, 0, 0 };
    MHD_get_connection_values_n(c, kind, cmhd_kv_append, &b);
    if (b.failed) {
        free(b.data);
        *out = NULL;
        return SIZE_MAX;
    }
    *out = b.data;
    return b.len;
}
#endif
