-- The application's own database beside Temporal's (temporal, temporal_visibility).
CREATE DATABASE gtm;
