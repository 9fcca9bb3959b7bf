"""Configuration: errbot's ``ZALOUSER`` / ``ZALOUSER_CONFIG`` -> one frozen ``settings.Settings``.

The input is an OpenClaw ``channels.zalouser`` block, so an existing OpenClaw setup can be
pointed at as it is. ``ZALOUSER`` is that block as a dict in errbot's ``config.py``;
``ZALOUSER_CONFIG`` is the path of a JSON5 file holding either the block or a whole OpenClaw
config (whose ``channels.zalouser`` and ``channels.defaults`` are read). ``ZALOUSER_ZCA``
names the executable (default ``zca``). Nothing set means an empty block: all defaults.

Keys (channel level = directly in the block; account level = also under
``accounts.<id>``, where a value replaces the channel-level one as a whole: lists and maps
are not merged, and neither are our ``pairing`` objects):

==============================  =========  ==================================  ==========
key                             level      values                              default
==============================  =========  ==================================  ==========
enabled                         both       bool; false on either level         true
                                           disables the account
defaultAccount                  channel    account id                          see below
accounts                        channel    map id -> account-level keys        one account
                                                                               "default"
name                            both       label shown in status               ""
profile                         both       zca profile                         see below
dmPolicy                        both       pairing | allowlist | open |        pairing
                                           disabled
allowFrom                       both       list of user ids (or friend names,  []
                                           resolved at start-up), "*" = all
groupPolicy                     both       open | allowlist | disabled         channels.defaults
                                                                               .groupPolicy, else
                                                                               open
groups                          both       map id | group:<id> | name | "*"    {}
                                           -> {allow, enabled, requireMention}
groupAllowFrom                  both       senders allowed inside groups       [] (any member)
requireMention                  both       bool: group messages need @bot      false
dangerouslyAllowNameMatching    both       bool: true = group name/slug keys   false (ids only
                                           also match at run time              at run time)
chunkMode                       both       length | newline                    length
textChunkLimit                  both       integer 1..2000                     2000
formatting                      both       auto: Zalo styles where the zca     auto
                                           binary reads them exactly, else
                                           plain text; plain: always plain
engine                          both       cli: the zca tool, one process per  cli
                                           message; zca-js: one long-lived
                                           engine process per account
mediaMaxMb                      both       largest file given or sent, in MB   20
                                           (0 < x <= 1024)
markdown, messagePrefix         both       accepted for compatibility, unused
pairing.ttlSeconds              both       seconds a code lives                3600
pairing.maxPending              both       integer 1..100                      3
pairing.replyText               both       template: {user_id} {code} {name}   unbranded text
                                           {prefix}; "" = create the request
                                           but send no reply
pairing.approvedText            both       template: {user_id} {name} {prefix} see below
pairing.scope                   both       channel | account (pending cap)     account
pairing.cooldownSeconds         both       seconds a denied or expired         86400
                                           requester waits for a new code
                                           (0 = none)
pairing.summaryIntervalSeconds  both       one "N newcomers waiting" notice    3600
                                           per this many seconds, 60..604800
pairing.firstContactsPerHour    both       pairing replies to strangers per    10
                                           hour before pairing goes silent
outbound.workers                channel    integer 1..32                       8
outbound.ratePerSecond          channel    messages per second per account     1.0
outbound.burst                  channel    integer 1..100                      5
outbound.maxAttempts            channel    integer 1..20                       4
outbound.retryBaseSeconds       channel    seconds                             1.0
outbound.retryMaxSeconds        channel    seconds, >= retryBaseSeconds        30.0
outbound.sendTimeoutSeconds     channel    seconds                             30.0
outbound.maxAgeSeconds          channel    a reply not sent within this many   600
                                           seconds is dropped (journal too)
outbound.maxQueuedPerConversation channel  replies waiting per chat before     20
                                           new ones are dropped
outbound.maxQueuedPerAccount    channel    replies waiting per account, >=     100
                                           maxQueuedPerConversation
outbound.retryUnknownDelivery   channel    bool: retry a send that timed out   false
                                           (it may show twice)
listener.stallSeconds           channel    silence before a restart            3600
listener.closedGraceSeconds     channel    seconds                             30
listener.recycleSeconds         channel    planned restart period, or null     null
listener.backoffInitialSeconds  channel    first wait before a restart         1.0
listener.backoffMaxSeconds      channel    longest wait between restarts       60.0
                                           (of the engine too, on zca-js)
listener.heartbeatSeconds       channel    --supervised heartbeat period; 3    30
                                           missed periods recycle the listener
listener.loggedOutRetrySeconds  channel    re-probe period while the profile   30
                                           is logged out
listener.lockRetrySeconds       channel    longest wait while another          30
                                           listener owns the profile
listener.maxEventAgeSeconds     channel    inbound events stamped longer ago   600
                                           are dropped; messages seen within
                                           max(1200, 2x this) run once
zcaJs.installFolder             channel    where `engine install` put zca-js   ~/.local/share/
                                                                               errbot-zalouser/
                                                                               engine
zcaJs.package                   channel    a zca-js package folder used as it  (installFolder's)
                                           is (its version not checked)
zcaJs.node                      channel    Node.js executable                  node
zcaJs.openzcaHome               channel    where `zca auth login` keeps the    $OPENZCA_HOME,
                                           profiles' credentials               else ~/.openzca
media.folder                    channel    absolute folder for received files  <BOT_DATA_DIR>/
                                           (one folder per account inside)     zalouser/media
media.retentionHours            channel    hours a received file is kept; 0 =  24
                                           the bot never deletes one
==============================  =========  ==================================  ==========

Account ids are the sorted keys of ``accounts`` (lower-cased, runs of characters other than
``a-z 0-9 _ -`` replaced by one ``-``, none at the ends, at most 64), or ``["default"]``. The
default account is ``defaultAccount``, else ``"default"`` if it exists, else the first. The zca
profile of an account is its ``profile``, else ``$ZCA_PROFILE``, else the account id (unless
"default"), else ``"default"``. A ``null`` value counts as not set.

Unknown keys are warnings (with a "did you mean" hint); invalid values raise
:class:`ConfigError` naming the full key path, the bad value and the accepted values.

The package reads and validates, and holds no value type: those are in ``errbot_zalouser.settings``.
``loading`` finds the document, ``channel`` merges the channel level into each account,
``readers`` checks one value each, ``suggest`` finds the value someone meant, ``security``
warns about risky settings.
"""

from __future__ import annotations

from errbot_zalouser.config.channel import parse_channel_block
from errbot_zalouser.config.loading import load_settings

__all__ = ["load_settings", "parse_channel_block"]
