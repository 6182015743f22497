"""The bureau's written documents as PDF: notices, decisions, the delivery receipt, certificates.

The Administrative Licensing Law makes the office answer in writing, dated and sealed
(Art. 32, 38, 39, 42). ``catalog`` finds which documents a case has from its decision
history and certificates, ``content`` writes each one's words, ``certificate`` the fields each
certificate prints, ``office`` the issuing authority's settings, ``pdf`` renders them.
No Flask here: the web layer passes the public links in (``Links``).
"""
