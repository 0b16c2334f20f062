# SPDX-License-Identifier: Apache-2.0
"""The harness's free_port: two calls never give the same port. The kernel
hands a port freed by the first bind(0) to the next one often enough (286
repeats in 3,000 calls here) that a test choosing a vhost's port before
its httpd chose its own got "Cannot define multiple Listeners on the same
IP:port" now and then."""
from harness import free_port


def test_free_port_never_repeats_a_recent_port():
    ports = [free_port() for _ in range(3000)]
    assert len(set(ports)) == len(ports)
