/* test-control: the control socket protocol (daemon/control*.c) over a
 * socketpair (tests/control-fixture.h): framing (split, pipelined,
 * oversized, garbage), dispatch and the Varlink errors, peer checks,
 * deadlines, oneway, deferred and "more" calls, strict request fields,
 * and a mutating call whose client is gone. The socket path and admission
 * are in test-control-listen.c. */
#include "control-fixture.h"

START_TEST(echo_and_pipeline)
{
	struct fx f;
	bool eof;

	fx_open(&f);
	/* Two requests in one write, the second split across two writes. */
	SEND(&f, REQ("{\"method\":\"t.Echo\",\"parameters\":{\"path\":\"/a/b\",\"n\":1}}")
		 "{\"method\":\"t.Ec");
	ck_assert_str_eq(pump(&f, 1, &eof), "{\"parameters\":{\"path\":\"/a/b\",\"n\":1}}|");
	SEND(&f, REQ("ho\"}"));
	ck_assert_str_eq(pump(&f, 1, &eof), "{\"parameters\":{}}|");
	ck_assert(!eof);
	ck_assert_uint_eq(control_connections(f.c), 1);
	fx_close(&f);
}
END_TEST

START_TEST(varlink_errors)
{
	struct fx f;
	bool eof;

	fx_open(&f);
	SEND(&f, REQ("{\"method\":\"t.Nope\"}") REQ("{\"method\":\"t.Echo\",\"parameters\":[1]}")
		 REQ("{\"parameters\":{}}"));
	ck_assert_str_eq(pump(&f, 3, &eof),
			 "{\"error\":\"org.varlink.service.MethodNotFound\",\"parameters\":{\"method\":\"t.Nope\"}}|"
			 "{\"error\":\"org.varlink.service.InvalidParameter\",\"parameters\":{\"parameter\":\"parameters\"}}|"
			 "{\"error\":\"io.numamigd.InvalidRequest\",\"parameters\":{\"message\":\"no \\\"method\\\" string\"}}|");
	pump(&f, 1, &eof);
	ck_assert(eof); /* a request without a method ends the connection */
	fx_close(&f);
}
END_TEST

START_TEST(garbage_closes)
{
	static const char *const bad[] = { "not json", "[1,2]", "{\"method\":\"t.Echo\"} x", "" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fx f;
		bool eof;
		char *out;

		fx_open(&f);
		send_str(&f, bad[i], strlen(bad[i]) + 1);
		out = pump(&f, 1, &eof);
		ck_assert_msg(strstr(out, "io.numamigd.InvalidRequest"), "%s: %s", bad[i], out);
		pump(&f, 1, &eof);
		ck_assert(eof);
		ck_assert_uint_eq(control_connections(f.c), 0);
		fx_close(&f);
	}
}
END_TEST

START_TEST(frame_too_large)
{
	struct fx f;
	char *big = malloc(CONTROL_FRAME_MAX);
	size_t off = 0;
	bool eof = false;
	char *out = "";

	fx_open(&f);
	memset(big, ' ', CONTROL_FRAME_MAX);
	big[0] = '{';
	/* The socket buffer may be smaller than a frame: feed it as it drains. */
	for (int i = 0; i < 400 && !strstr(out, "FrameTooLarge"); i++) {
		if (off < CONTROL_FRAME_MAX) {
			ssize_t r = write(f.fd, big + off, CONTROL_FRAME_MAX - off);

			if (r > 0)
				off += (size_t)r;
		}
		out = pump(&f, 0, &eof);
		sd_event_run(f.ev, 10000);
		out = pump(&f, 1, &eof);
	}
	ck_assert_str_eq(out, "{\"error\":\"io.numamigd.FrameTooLarge\",\"parameters\":{\"max\":65536}}|");
	pump(&f, 1, &eof);
	ck_assert(eof);
	free(big);
	fx_close(&f);
}
END_TEST

START_TEST(mutating_needs_root)
{
	struct fx f;
	bool eof;
	char *out;

	fx_open(&f);
	SEND(&f, REQ("{\"method\":\"t.Poke\"}"));
	out = pump(&f, 1, &eof);
	if (geteuid() == 0) {
		ck_assert_str_eq(out, "{\"parameters\":{}}|");
		ck_assert_int_eq(f.pokes, 1);
	} else {
		ck_assert_ptr_nonnull(strstr(out, "io.numamigd.PermissionDenied"));
		ck_assert_int_eq(f.pokes, 0);
	}
	/* Read methods need the socket's group when not root. */
	control_set_group(f.c, 4242);
	SEND(&f, REQ("{\"method\":\"t.Echo\"}"));
	out = pump(&f, 1, &eof);
	if (geteuid() != 0)
		ck_assert_ptr_nonnull(strstr(out, "io.numamigd.PermissionDenied"));
	fx_close(&f);
}
END_TEST

START_TEST(peer_check)
{
	struct control_peer root = { .uid = 0, .gid = 0 };
	struct control_peer member = { .uid = 1000, .gid = 1000, .n_groups = 2, .groups = { 5, 77 } };
	struct control_peer primary = { .uid = 1000, .gid = 77 };
	struct control_peer other = { .uid = 1000, .gid = 1000, .n_groups = 1, .groups = { 5 } };

	ck_assert_int_eq(control_peer_check(&root, 77, false), 0);
	ck_assert_int_eq(control_peer_check(&root, 77, true), 0);
	ck_assert_int_eq(control_peer_check(&member, 77, false), 0);
	ck_assert_int_eq(control_peer_check(&member, 77, true), -EPERM);
	ck_assert_int_eq(control_peer_check(&primary, 77, false), 0);
	ck_assert_int_eq(control_peer_check(&primary, 77, true), -EPERM);
	ck_assert_int_eq(control_peer_check(&other, 77, false), -EPERM);
	ck_assert_int_eq(control_peer_check(&other, 77, true), -EPERM);
}
END_TEST

START_TEST(deadline_drops_slow_client)
{
	struct fx f;
	bool eof;

	fx_open(&f);
	control_free(f.c);
	close(f.fd);
	/* A fresh server with a short deadline. */
	{
		int sv[2];

		ck_assert_int_eq(control_new(f.ev, methods, 4, &f.pokes, &f.c), 0);
		control_set_deadline(f.c, 100000);
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
		ck_assert_int_eq(control_adopt(f.c, sv[0]), 0);
		f.fd = sv[1];
		fcntl(f.fd, F_SETFL, O_NONBLOCK);
	}
	SEND(&f, "{\"method\":");  /* and never the rest */
	ck_assert_str_eq(pump(&f, 1, &eof), "");
	ck_assert(eof);
	ck_assert_uint_eq(control_connections(f.c), 0);
	fx_close(&f);
}
END_TEST

START_TEST(oneway_and_silent)
{
	struct fx f;
	bool eof;

	fx_open(&f);
	SEND(&f, REQ("{\"method\":\"t.Echo\",\"oneway\":true}") REQ("{\"method\":\"t.Silent\"}"));
	/* No reply to the first; a handler that forgets to answer gets one. */
	ck_assert_str_eq(pump(&f, 1, &eof), "{\"error\":\"io.numamigd.InternalError\","
			 "\"parameters\":{\"message\":\"t.Silent did not answer\"}}|");
	fx_close(&f);
}
END_TEST

START_TEST(deferred)
{
	struct fx f;
	json_object *p = json_object_new_object();
	bool eof;

	fx_open(&f);
	SEND(&f, REQ("{\"method\":\"t.Defer\"}") REQ("{\"method\":\"t.Echo\"}"));
	ck_assert_str_eq(pump(&f, 1, &eof), "");    /* nothing yet, not even the echo */
	ck_assert_ptr_nonnull(saved_call);
	ck_assert_str_eq(control_call_method(saved_call), "t.Defer");
	json_object_object_add(p, "done", json_object_new_boolean(true));
	control_call_reply(saved_call, p);
	ck_assert_str_eq(pump(&f, 2, &eof), "{\"parameters\":{\"done\":true}}|{\"parameters\":{}}|");

	/* The client leaves before the answer: it goes nowhere, nothing leaks. */
	SEND(&f, REQ("{\"method\":\"t.Defer\"}"));
	pump(&f, 1, &eof);
	close(f.fd);
	f.fd = -1;
	for (int i = 0; i < 10; i++)
		sd_event_run(f.ev, 10000);
	ck_assert_uint_eq(control_connections(f.c), 0);
	control_call_errorf(saved_call, "t.Late", "%d", 1);
	fx_close(&f);
}
END_TEST

/* Varlink's "more": a deferred call sends replies that continue, then its
 * last; without "more" only the last is sent; a client that has gone gets
 * none and nothing breaks. */
START_TEST(more_replies)
{
	struct fx f;
	bool eof;

	fx_open(&f);
	SEND(&f, REQ("{\"method\":\"t.Defer\",\"more\":true}"));
	ck_assert_str_eq(pump(&f, 1, &eof), "");
	ck_assert(control_call_more(saved_call));
	control_call_notify(saved_call, json_object_new_object());
	control_call_notify(saved_call, NULL);
	ck_assert_str_eq(pump(&f, 2, &eof), "{\"parameters\":{},\"continues\":true}|"
			 "{\"parameters\":{},\"continues\":true}|");
	control_call_reply(saved_call, NULL);
	ck_assert_str_eq(pump(&f, 1, &eof), "{\"parameters\":{}}|");

	/* No "more": notifications go nowhere. */
	SEND(&f, REQ("{\"method\":\"t.Defer\"}"));
	pump(&f, 1, &eof);
	ck_assert(!control_call_more(saved_call));
	control_call_notify(saved_call, json_object_new_object());
	control_call_reply(saved_call, NULL);
	ck_assert_str_eq(pump(&f, 1, &eof), "{\"parameters\":{}}|");

	/* "more" must be a boolean. */
	SEND(&f, REQ("{\"method\":\"t.Echo\",\"more\":\"no\"}"));
	ck_assert_str_eq(pump(&f, 1, &eof), "{\"error\":\"io.numamigd.InvalidRequest\","
			 "\"parameters\":{\"message\":\"\\\"more\\\" must be true or false\"}}|");

	/* The client goes: its call takes no more, and still ends. */
	SEND(&f, REQ("{\"method\":\"t.Defer\",\"more\":true}"));
	pump(&f, 1, &eof);
	close(f.fd);
	f.fd = -1;
	for (int i = 0; i < 10; i++)
		sd_event_run(f.ev, 10000);
	ck_assert(!control_call_more(saved_call));
	control_call_notify(saved_call, json_object_new_object());
	control_call_reply(saved_call, NULL);
	fx_close(&f);
}
END_TEST

static bool ulong_of(const char *text, unsigned long *v)
{
	json_object *o = json_object_new_string(text);
	bool ok = ctl_as_ulong(o, v);

	json_object_put(o);
	return ok;
}

/* Request fields are what they must be, and what is echoed is escaped. */
START_TEST(strict_requests)
{
	struct fx f;
	bool eof;
	unsigned long v;

	fx_open(&f);
	/* json-c would call the string "no" true. */
	SEND(&f, REQ("{\"method\":\"t.Poke\",\"oneway\":\"no\"}"));
	ck_assert_str_eq(pump(&f, 1, &eof), "{\"error\":\"io.numamigd.InvalidRequest\","
			 "\"parameters\":{\"message\":\"\\\"oneway\\\" must be true or false\"}}|");
	ck_assert_int_eq(f.pokes, 0);
	SEND(&f, REQ("{\"method\":\"t.\xff\x1b[2J\"}"));
	ck_assert_str_eq(pump(&f, 1, &eof), "{\"error\":\"org.varlink.service.MethodNotFound\","
			 "\"parameters\":{\"method\":\"t.\\\\xff\\\\x1b[2J\"}}|");
	fx_close(&f);
	/* Numbers in strings: no blanks, no signs. */
	ck_assert(ulong_of("0x1000", &v) && v == 0x1000);
	ck_assert(!ulong_of("\t4096", &v));
	ck_assert(!ulong_of(" 4096", &v));
	ck_assert(!ulong_of("-1", &v));
}
END_TEST

/* A mutating request whose client hung up before it ran is not run: the
 * client reported failure, and its retry would act twice. */
START_TEST(gone_client_mutates_nothing)
{
	struct fx f;

	fx_open(&f);
	SEND(&f, REQ("{\"method\":\"t.Poke\"}"));
	close(f.fd);
	f.fd = -1;
	for (int i = 0; i < 10; i++)
		sd_event_run(f.ev, 10000);
	ck_assert_int_eq(f.pokes, 0);
	ck_assert_uint_eq(control_connections(f.c), 0);
	fx_close(&f);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("control");

	tcase_add_test(tc, echo_and_pipeline);
	tcase_add_test(tc, varlink_errors);
	tcase_add_test(tc, garbage_closes);
	tcase_add_test(tc, frame_too_large);
	tcase_add_test(tc, mutating_needs_root);
	tcase_add_test(tc, peer_check);
	tcase_add_test(tc, deadline_drops_slow_client);
	tcase_add_test(tc, oneway_and_silent);
	tcase_add_test(tc, deferred);
	tcase_add_test(tc, more_replies);
	tcase_add_test(tc, strict_requests);
	tcase_add_test(tc, gone_client_mutates_nothing);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"
