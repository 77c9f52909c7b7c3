"""The deployment executor: Quartermaster answers `deployment`, `release` and `rollback` for
services with a target.yaml (services with none keep going to the user's tools)."""
