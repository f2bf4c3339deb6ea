/* client: see client.h. Blocking I/O bounded by one overall deadline,
 * since numamigctl does one thing at a time. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A blocking connect() to a listener whose backlog is full waits forever;
 * a non-blocking one says EAGAIN at once, and is retried until the
 * deadline. */
int client_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	long long deadline = now_ms() + CLIENT_CONNECT_MS;
	int fd, e;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		if (e != EAGAIN && e != EINTR) {
			close(fd);
			return -e;
		}
		if (now_ms() >= deadline) {
			close(fd);
			return -ETIMEDOUT;
		}
		poll(NULL, 0, 50);
	}
	return fd;
}

void client_connect_error(const char *path, int r)
{
	if (r == -ENOENT || r == -ECONNREFUSED)
		fprintf(stderr, "numamigctl: numamigd is not running (nothing listens on %s)\n", path);
	else if (r == -EACCES || r == -EPERM)
		fprintf(stderr, "numamigctl: permission denied on %s: run as root or as a member "
			"of the socket's group (numamig)\n", path);
	else if (r == -ETIMEDOUT)
		fprintf(stderr, "numamigctl: numamigd accepted no connection on %s within %d s "
			"(all its connections are busy)\n", path, CLIENT_CONNECT_MS / 1000);
	else
		fprintf(stderr, "numamigctl: cannot connect to %s: %s\n", path, strerror(-r));
}

/* Wait for EVENTS on FD until DEADLINE. */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long left = deadline - now_ms();
	int r;

	if (left <= 0)
		return -ETIMEDOUT;
	r = poll(&p, 1, (int)left);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	return r == 0 ? -ETIMEDOUT : 0;
}

static int send_all(int fd, const char *buf, size_t len, long long deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		int r;

		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		r = wait_fd(fd, POLLOUT, deadline);
		if (r < 0)
			return r;
	}
	return 0;
}

/* What was read past the last frame: a call with "more" gets several
 * replies, and one read may hold the end of one and the start of the
 * next. One connection per process. */
static char *rx;
static size_t rx_len, rx_cap;

/* The next frame (up to its NUL) into a malloc'd *OUT. */
static int recv_frame(int fd, char **out, size_t *out_len, long long deadline)
{
	char *nul = rx_len ? memchr(rx, '\0', rx_len) : NULL;
	int r = 0;

	while (!nul && r == 0) {
		ssize_t n;

		if (rx_len == rx_cap) {
			size_t cap = rx_cap ? rx_cap * 2 : 4096;
			char *p = cap <= CLIENT_REPLY_MAX ? realloc(rx, cap) : NULL;

			if (!p)
				return cap <= CLIENT_REPLY_MAX ? -ENOMEM : -EMSGSIZE;
			rx = p;
			rx_cap = cap;
		}
		n = recv(fd, rx + rx_len, rx_cap - rx_len, MSG_DONTWAIT);
		if (n == 0)
			r = -ECONNRESET;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			r = -errno;
		else if (n < 0)
			r = wait_fd(fd, POLLIN, deadline);
		else {
			nul = memchr(rx + rx_len, '\0', (size_t)n);
			rx_len += (size_t)n;
		}
	}
	if (r < 0)
		return r;
	*out_len = (size_t)(nul - rx);
	*out = malloc(*out_len + 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, rx, *out_len + 1);
	rx_len -= *out_len + 1;
	memmove(rx, nul + 1, rx_len);
	return 0;
}

static int parse_reply(const char *buf, size_t len, json_object **reply)
{
	json_tokener *tok = json_tokener_new();
	json_object *o = NULL, *p;

	if (!tok)
		return -ENOMEM;
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (o && (json_tokener_get_error(tok) != json_tokener_success ||
		  json_tokener_get_parse_end(tok) != len ||
		  !json_object_is_type(o, json_type_object) ||
		  (json_object_object_get_ex(o, "parameters", &p) &&
		   !json_object_is_type(p, json_type_object)))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	if (!o)
		return -EPROTO;
	*reply = o;
	return 0;
}

int client_call(int fd, const char *method, json_object *params, json_object **reply)
{
	return client_call_more(fd, method, params, NULL, NULL, reply);
}

int client_call_more(int fd, const char *method, json_object *params, client_more_fn more,
		     void *arg, json_object **reply)
{
	long long deadline = now_ms() + CLIENT_TIMEOUT_MS;
	json_object *req = json_object_new_object(), *cont;
	const char *s;
	size_t len;
	char *buf;
	int r;

	if (!req)
		return -ENOMEM;
	json_object_object_add(req, "method", json_object_new_string(method));
	json_object_object_add(req, "parameters",
			       params ? json_object_get(params) : json_object_new_object());
	if (more)
		json_object_object_add(req, "more", json_object_new_boolean(true));
	s = json_object_to_json_string_length(req, CLIENT_JSON_FLAGS, &len);
	r = send_all(fd, s, len + 1, deadline); /* with json-c's NUL */
	json_object_put(req);
	if (r < 0)
		return r;
	for (;;) {
		r = recv_frame(fd, &buf, &len, deadline);
		if (r < 0)
			return r;
		r = parse_reply(buf, len, reply);
		free(buf);
		if (r < 0)
			return r;
		if (!more || !json_object_object_get_ex(*reply, "continues", &cont) ||
		    !json_object_get_boolean(cont))
			return 0;
		/* Each reply that continues moves the deadline: a long job
		 * never waits on it. */
		deadline = now_ms() + CLIENT_TIMEOUT_MS;
		if (!more(*reply, arg))
			return 0;
		json_object_put(*reply);
		*reply = NULL;
	}
}
