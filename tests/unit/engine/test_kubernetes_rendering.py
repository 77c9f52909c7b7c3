"""Rendering a service's Kubernetes manifests: objects, image, variants, and located errors."""

from __future__ import annotations

import pytest

from chalicelib.domain.yamldoc import InvalidDocument
from chalicelib.engine.kubernetes.manifests import parse_manifests
from chalicelib.engine.kubernetes.rendering import Variant, Workload, render
from chalicelib.engine.kubernetes.replicas import canary_split
from chalicelib.engine.kubernetes.versions import VARIANT_LABEL, image_repository, version_of

CARTS = """\
# the carts service
apiVersion: apps/v1
kind: Deployment
metadata:
  name: carts
spec:
  replicas: 4
  selector:
    matchLabels: {app: carts}
  template:
    metadata:
      labels: {app: carts}
    spec:
      containers:
        - name: carts
          image: docker.io/keptnexamples/carts:0.13.1
          ports: [{containerPort: 8080}]
        - name: sidecar
          image: envoy:1.0
---
apiVersion: v1
kind: Service
metadata:
  name: carts
spec:
  selector: {app: carts}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: carts-config}
data: {LOG_LEVEL: info}
"""


def rendered(text: str = CARTS, image: str | None = "carts:0.13.2", **kwargs: str) -> Workload:
    manifests = parse_manifests([("carts.yaml", text)])
    return render(
        manifests,
        service=kwargs.get("service", "carts"),
        namespace=kwargs.get("namespace", "shop"),
        image=image,
    )


def errors(text: str, image: str | None = "carts:0.13.2", service: str = "carts") -> list[str]:
    with pytest.raises(InvalidDocument) as caught:
        rendered(text, image, service=service)
    return caught.value.lines


def test_the_image_goes_on_the_service_container_only() -> None:
    workload = rendered()
    containers = workload.deployment["spec"]["template"]["spec"]["containers"]
    assert [c["image"] for c in containers] == ["carts:0.13.2", "envoy:1.0"]
    assert workload.containers == ("carts",)
    assert workload.images(workload.deployment) == {"carts": "carts:0.13.2"}


def test_objects_land_in_the_target_namespace_with_their_kinds_sorted_out() -> None:
    workload = rendered()
    assert workload.name == "carts"
    assert workload.replicas == 4
    assert workload.deployment["metadata"]["namespace"] == "shop"
    assert workload.service_object is not None
    assert workload.service_object["metadata"]["namespace"] == "shop"
    assert [o["kind"] for o in workload.others] == ["ConfigMap"]
    assert workload.others[0]["metadata"]["namespace"] == "shop"


def test_without_an_image_the_manifest_images_stay() -> None:
    workload = rendered(image=None)
    containers = workload.deployment["spec"]["template"]["spec"]["containers"]
    assert containers[0]["image"] == "docker.io/keptnexamples/carts:0.13.1"


def test_the_primary_and_its_variants_never_select_each_others_pods() -> None:
    workload = rendered()
    primary = workload.deployment
    canary = workload.variant(Variant.CANARY, replicas=1)
    assert canary["metadata"]["name"] == "carts-canary"
    assert canary["spec"]["replicas"] == 1
    assert workload.variant(Variant.CANARY)["spec"]["replicas"] == 4
    selectors = [d["spec"]["selector"]["matchLabels"] for d in (primary, canary)]
    assert [s[VARIANT_LABEL] for s in selectors] == ["primary", "canary"]
    for deployment in (primary, canary):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert labels["app"] == "carts"
        assert labels[VARIANT_LABEL] == deployment["spec"]["selector"]["matchLabels"][VARIANT_LABEL]
    # the primary is not changed by rendering a variant
    assert primary["spec"]["selector"]["matchLabels"][VARIANT_LABEL] == "primary"


def test_a_version_names_the_image_and_changes_with_the_template() -> None:
    workload = rendered()
    assert workload.version.startswith("carts:0.13.2#")
    assert len(workload.version) == len("carts:0.13.2#") + 8
    assert version_of(workload.variant(Variant.CANARY)) == workload.version
    assert rendered().version == workload.version
    assert rendered(image="carts:0.13.3").version.startswith("carts:0.13.3#")
    changed = rendered(CARTS.replace("containerPort: 8080", "containerPort: 9090"))
    assert changed.version.startswith("carts:0.13.2#")
    assert changed.version != workload.version


def test_the_service_selects_every_variant_or_the_pinned_one() -> None:
    workload = rendered()
    assert workload.service_for(None)["spec"]["selector"] == {"app": "carts"}
    pinned = workload.service_for(Variant.CANARY)["spec"]["selector"]
    assert pinned == {"app": "carts", VARIANT_LABEL: "canary"}
    assert workload.service_for(None)["spec"]["selector"] == {"app": "carts"}


def test_the_candidate_service_reaches_the_candidate_alone_without_a_load_balancer() -> None:
    text = CARTS.replace(
        "  selector: {app: carts}\n  ports",
        "  type: LoadBalancer\n  clusterIP: 10.0.0.9\n  selector: {app: carts}\n  ports",
    )
    text = text.replace(
        "ports: [{port: 80, targetPort: 8080}]",
        "ports: [{port: 80, targetPort: 8080, nodePort: 30080}]",
    )
    candidate = rendered(text).candidate_service()
    assert candidate["metadata"]["name"] == "carts-canary"
    assert candidate["metadata"]["namespace"] == "shop"
    assert candidate["spec"] == {
        "type": "ClusterIP",
        "selector": {"app": "carts", VARIANT_LABEL: "canary"},
        "ports": [{"port": 80, "targetPort": 8080}],
    }


def test_blue_green_without_a_service_says_what_to_add() -> None:
    text = CARTS.split("---")[0]
    workload = rendered(text)
    assert workload.service_object is None
    with pytest.raises(InvalidDocument, match="no Service selects the pods of Deployment 'carts'"):
        workload.service_for(Variant.PRIMARY)


def test_a_single_container_gets_the_image_whatever_its_name() -> None:
    text = CARTS.replace("        - name: sidecar\n          image: envoy:1.0\n", "")
    workload = rendered(text.replace("- name: carts", "- name: app"))
    assert workload.containers == ("app",)


def test_several_containers_are_matched_by_image_repository() -> None:
    text = CARTS.replace("- name: carts", "- name: app")
    workload = rendered(text, image="docker.io/keptnexamples/carts:0.14.0")
    assert workload.containers == ("app",)


def test_no_container_for_the_image_is_an_error_naming_the_fix() -> None:
    text = CARTS.replace("- name: carts", "- name: app")
    (line,) = errors(text, image="other:1")
    assert line.startswith("carts.yaml: spec.template.spec.containers (line 14):")
    assert "containers app, sidecar and none is named 'carts'" in line


def test_a_manifest_that_does_not_parse_names_file_and_line() -> None:
    text = CARTS.replace("    matchLabels: {app: carts}", "    matchLabels: {app: carts")
    (line,) = errors(text)
    assert line.startswith("carts.yaml: invalid YAML (line 10)")


def test_missing_fields_are_located() -> None:
    text = CARTS.replace("  name: carts\nspec:\n  replicas", "  labels: {}\nspec:\n  replicas", 1)
    lines = errors(text)
    assert lines == [
        "carts.yaml: metadata.name (line 4): 'metadata.name' must be a DNS subdomain name: "
        "lowercase letters, digits, '-' and '.', starting and ending alphanumeric, at most 253 "
        "characters"
    ]


def test_a_kind_the_target_does_not_apply_is_refused_with_the_supported_list() -> None:
    text = CARTS + "---\napiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\n"
    (line,) = errors(text)
    assert line.startswith("carts.yaml: kind 'CronJob' (line 35): batch/v1 CronJob is not applied")
    assert "Deployment (apps/v1), Service (v1)" in line


def test_a_selector_that_misses_the_pod_labels_is_refused() -> None:
    text = CARTS.replace("    matchLabels: {app: carts}", "    matchLabels: {app: cart}")
    (line,) = errors(text)
    assert "spec.selector.matchLabels (line 9): the selector does not match" in line


def test_another_namespace_in_the_manifest_is_refused() -> None:
    text = CARTS.replace(
        "  name: carts\nspec:\n  replicas", "  name: carts\n  namespace: x\nspec:\n  replicas"
    )
    (line,) = errors(text)
    assert line.startswith("carts.yaml: metadata.namespace 'x' (line 6): the target deploys to")


def test_several_deployments_need_one_named_after_the_service() -> None:
    other = CARTS.split("---")[0].replace("name: carts\nspec", "name: orders\nspec")
    workload = rendered(CARTS + "---\n" + other)
    assert workload.name == "carts"
    (line,) = errors(other + "---\n" + other.replace("orders", "payments"))
    assert "2 Deployments (orders, payments) and none is named 'carts'" in line


def test_duplicates_and_empty_files_are_refused() -> None:
    (line,) = errors(CARTS + "---\n" + CARTS.split("---")[2])
    assert "ConfigMap 'carts-config' is already defined in carts.yaml (line 29)" in line
    with pytest.raises(InvalidDocument, match="holds no Kubernetes object"):
        parse_manifests([("empty.yaml", "# nothing\n---\n")])


def test_a_list_and_several_files_are_read() -> None:
    documents = CARTS.split("---\n")
    listed = "apiVersion: v1\nkind: List\nitems:\n" + "".join(
        "- " + doc.replace("\n", "\n  ").rstrip() + "\n" for doc in documents[1:]
    )
    manifests = parse_manifests([("deployment.yaml", documents[0]), ("rest.yaml", listed)])
    assert [(m.file, m.kind, m.line) for m in manifests] == [
        ("deployment.yaml", "Deployment", 2),
        ("rest.yaml", "Service", 4),
        ("rest.yaml", "ConfigMap", 11),
    ]


def test_a_bad_image_is_refused() -> None:
    (line,) = errors(CARTS, image="carts: 1")
    assert "configurationChange.values.image 'carts: 1'" in line


@pytest.mark.parametrize(
    ("image", "repository"),
    [
        ("carts", "carts"),
        ("carts:1.2", "carts"),
        ("registry:5000/shop/carts:1.2", "registry:5000/shop/carts"),
        ("registry:5000/carts", "registry:5000/carts"),
        ("carts@sha256:abc", "carts"),
    ],
)
def test_image_repository(image: str, repository: str) -> None:
    assert image_repository(image) == repository


@pytest.mark.parametrize(
    ("total", "weight", "primary", "canary", "effective"),
    [
        (4, 0, 4, 0, 0),
        (4, 25, 3, 1, 25),
        (4, 50, 2, 2, 50),
        (4, 100, 0, 4, 100),
        (1, 10, 1, 1, 50),
        (10, 10, 9, 1, 10),
        (3, 90, 1, 2, 67),
        (4, 90, 1, 3, 75),
        (4, 99, 1, 3, 75),
    ],
)
def test_canary_split(total: int, weight: int, primary: int, canary: int, effective: int) -> None:
    split = canary_split(total, weight)
    assert (split.primary, split.canary, split.weight) == (primary, canary, effective)


def test_canary_weight_out_of_range() -> None:
    with pytest.raises(ValueError, match="not 120"):
        canary_split(4, 120)
