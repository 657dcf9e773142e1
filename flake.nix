{
  description = "surveillance: prediction-market order book recorder and analyst";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    flake-utils.url = "github:numtide/flake-utils";
  };

  outputs = { self, nixpkgs, flake-utils }:
    flake-utils.lib.eachDefaultSystem (system:
      let
        pkgs = import nixpkgs { inherit system; };
        surveillance = pkgs.buildNpmPackage {
          pname = "surveillance";
          version = "0.1.0";
          src = ./.;
          nodejs = pkgs.nodejs_20;
          # Hash of the dependencies pinned by package-lock.json; nix prints the right
          # value on the first build (replace it then).
          npmDepsHash = pkgs.lib.fakeHash;
          # The CLI runs TypeScript through tsx (a runtime dependency): no build step.
          dontNpmBuild = true;
          meta.mainProgram = "surveillance";
        };
      in
      {
        packages.default = surveillance;
        apps.default = {
          type = "app";
          program = "${surveillance}/bin/surveillance";
        };
        devShells.default = pkgs.mkShell { packages = [ pkgs.nodejs_20 ]; };
      });
}
