"""Training classes (培训班) and lectures: sessions, enrolment, check-in and attendance."""
