"""Persistent access state: pairing requests, approved senders, chat-allowed groups."""
