import { perimeter, recase } from "../helpers/builders.js";
import { perimeterLink, perimeterLinkReference } from "../helpers/builders-services.js";
import { ruleTester } from "../helpers/ruleTester.js";

const local = perimeter("nsp-app");
const remote = perimeter("nsp-shared", { rg: "rg-shared" });
const named = { localInboundProfiles: ["app"], remoteInboundProfiles: ["keys"] };

const wildcard = perimeterLink(local, "to-shared", remote); // the example's ["*"] everywhere
const pending = perimeterLink(local, "pending", remote, { ...named, status: "Pending" });
const referenceRecased = (() => {
  const r = perimeterLinkReference(local, "from-shared", remote, { localInboundProfiles: ["*"], remoteInboundProfiles: ["keys"], status: "approved" });
  return { ...r, id: recase(r.id), type: r.type.toLowerCase() };
})();
const manyLinks = Array.from({ length: 11 }, (_, i) => perimeterLink(local, `link-${i}`, perimeter(`nsp-remote-${i}`), named));

ruleTester("perimeter-link-review", {
  fires: [
    {
      name: "link admitting * on both sides (the API example): medium",
      resources: [local, remote, wildcard],
      expect: [{ resourceId: wildcard.id, severity: "medium", messageIncludes: "localInboundProfiles and remoteInboundProfiles" }],
    },
    {
      name: "link with named profiles, Pending: low",
      resources: [local, remote, pending],
      expect: [{ resourceId: pending.id, severity: "low", messageIncludes: "Pending" }],
    },
    {
      name: "casing variants: link reference from Resource Graph, \"approved\", * local profiles: medium",
      resources: [local, remote, referenceRecased],
      expect: [{ resourceId: referenceRecased.id, severity: "medium", messageIncludes: "Link reference from-shared" }],
    },
    {
      name: "more than 10 links on one perimeter: medium on the perimeter",
      resources: [local, ...manyLinks],
      expect: [{ resourceId: local.id, severity: "medium", messageIncludes: "11 links" }],
    },
  ],
  passes: [
    { name: "approved link with named profiles", resources: [local, remote, perimeterLink(local, "ok", remote, named)] },
    { name: "exactly 10 approved, named links", resources: [local, ...manyLinks.slice(0, 10)] },
    { name: "a perimeter without links", resources: [local] },
  ],
});
