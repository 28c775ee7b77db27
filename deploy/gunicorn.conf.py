# gunicorn's settings for Doorstep (deploy/doorstep.service runs gunicorn --config with this file).
import os

bind = "127.0.0.1:@APP_PORT@"  # nginx in front; never exposed
# Two workers of two threads per core is a good start (the app keeps no state in process memory).
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
threads = 2
worker_class = "gthread"
preload_app = True  # a configuration the app refuses stops the master at once, with the reasons in the journal
# A tablet's biggest push, or an export, takes seconds; a request still running after this is stuck: restart it.
# nginx's proxy_read_timeout (deploy/nginx-doorstep.conf) is a little longer, so gunicorn's answer reaches the client.
timeout = 120
graceful_timeout = 30
keepalive = 5
max_requests = 10000
max_requests_jitter = 500
# The access log without query strings (their values can hold names); the client is the address nginx forwarded.
accesslog = "@ROOT@/var/log/doorstep/access.log"
access_log_format = '%({x-forwarded-for}i)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)s %({x-request-id}o)s'
errorlog = "-"  # stderr: the journal, beside Doorstep's own JSON line per request
# gunicorn 25 and newer open a control socket in the user's home; the service has none (and ProtectHome=yes).
control_socket_disable = True
