"""Row ids are 32-bit integers: PostgreSQL refuses to compare one with anything larger, so a
larger number names nothing (404), whichever database runs underneath."""

ID_MAX = 2**31 - 1
