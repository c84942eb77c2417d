"""FSRS scheduling: settings, the learner's day, the queue, operations, sessions.

``session`` is the study API (``open_session``, ``StudySession``, ``dashboard``);
``operations`` changes schedules one transaction at a time; ``fsrs_adapter`` is the
only module that talks to the fsrs package; ``day`` maps instants to learner days;
``settings`` reads and writes config.toml; ``history`` derives streaks, today's
counts and a full log replay. See docs/scheduling.md.
"""
